// Grid carbon intensity for a region, and energy -> gCO2e. Until the versioned hourly tables
// land this serves one cited annual average per region (generated from CO2.js data, see
// docs/explanations/model-coefficients.md), always recorded with its table id, version and
// resolution. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "kfm/units.h"

namespace kfm::carbon {

inline constexpr const char kDefaultRegion[] = "SPP_KS";

struct Intensity {
  std::string region;  // our code, e.g. "SPP_KS"
  std::string zone;    // the provider's zone, e.g. "US-CENT-SWPP"
  GramsPerKwh value;
  std::string resolution;  // "hour", "day", "year" or "static"
  std::string table_id;
  std::string table_version;
  std::string source;
};

// The intensity for `region`; InvalidArgument naming the known regions when unknown.
Result<Intensity> LookupIntensity(std::string_view region);
std::vector<std::string> KnownRegions();

// Region from KFM_REGION, else kDefaultRegion.
std::string RegionFromEnv();

}  // namespace kfm::carbon
