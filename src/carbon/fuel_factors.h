// Lifecycle emission factors per fuel (gCO2e per kWh generated) that turn an EIA-930 hourly
// fuel mix into a carbon intensity. Each figure is cited below and in
// docs/reference/carbon-import.md; change one only with its source. Constants; thread-safe.
//
// Sources:
//  [AR5] Schlömer et al. 2014, IPCC AR5 WG III, Annex III "Technology-specific cost and
//        performance parameters", Table A.III.2 "Emissions of selected electricity supply
//        technologies (gCO2eq/kWh)", lifecycle emissions, median.
//  [SRREN] Moomaw et al. 2011, IPCC SRREN, Annex II "Methodology", Table A.II.4 (lifecycle GHG
//        emissions of electricity generation technologies), 50th percentile. AR5's table has no
//        oil-fired generation.
//
// Storage (pumped storage, batteries, other and unknown energy storage) has no factor: it
// re-delivers energy generated earlier and already counted, so the importer leaves it out of
// the mix.
#pragma once

#include <array>
#include <string_view>

namespace kfm::carbon {

enum class Fuel {
  kCoal,
  kNaturalGas,
  kNuclear,
  kPetroleum,
  kHydro,
  kSolar,
  kWind,
  kGeothermal,
  kOther,
  kUnknown,
};

struct FuelFactor {
  Fuel fuel;
  std::string_view name;
  double gco2e_per_kwh;
  std::string_view citation;
};

inline constexpr std::array<FuelFactor, 10> kFuelFactors = {{
    {Fuel::kCoal, "coal", 820, "[AR5] coal, pulverised coal"},
    {Fuel::kNaturalGas, "natural gas", 490, "[AR5] gas, combined cycle"},
    {Fuel::kNuclear, "nuclear", 12, "[AR5] nuclear"},
    {Fuel::kPetroleum, "petroleum", 840, "[SRREN] oil"},
    {Fuel::kHydro, "hydropower", 24, "[AR5] hydropower"},
    {Fuel::kSolar, "solar", 48, "[AR5] solar PV, utility"},
    {Fuel::kWind, "wind", 11, "[AR5] wind onshore"},
    {Fuel::kGeothermal, "geothermal", 38, "[AR5] geothermal"},
    // EIA-930 "other" mixes biomass (AR5 dedicated: 230), waste, other (fossil) gases and, in
    // older files, geothermal, with no split; the gas combined-cycle median stands in so as not
    // to understate the fossil part.
    {Fuel::kOther, "other", 490, "[AR5] gas, combined cycle (proxy, see comment)"},
    // Nothing is known of "unknown" generation: the highest factor of the table (coal), so an
    // hour's intensity is never understated because of it.
    {Fuel::kUnknown, "unknown", 820, "[AR5] coal (worst case of this table)"},
}};

inline constexpr std::string_view kFuelFactorsSource =
    "IPCC AR5 WG III Annex III Table A.III.2 lifecycle medians (oil: IPCC SRREN Annex II "
    "Table A.II.4 median)";

constexpr const FuelFactor& FactorOf(Fuel fuel) {
  for (const FuelFactor& factor : kFuelFactors) {
    if (factor.fuel == fuel) return factor;
  }
  return kFuelFactors.back();
}

}  // namespace kfm::carbon
