#include <gtest/gtest.h>

#include <initializer_list>

#include "carbon/fuel_factors.h"
#include "carbon/importers.h"
#include "import_test_support.h"

namespace kfm::carbon {
namespace {

using import_test::AnyNoteHas;
using import_test::ExpectInvalid;
using import_test::ExpectRoundTrip;
using import_test::Fixture;
using import_test::ReadText;
using import_test::Replace;
using import_test::RowAt;
using import_test::WriteText;

constexpr const char kLegacy[] = "EIA930_BALANCE_2020_Jan_Jun.csv";
constexpr const char kNewer[] = "EIA930_BALANCE_2025_Jan_Jun.csv";
constexpr const char kApi[] = "eia930_api_fuel-type-data_SWPP.json";

ImportRequest Request(std::vector<std::filesystem::path> files, std::string region = "SWPP") {
  return import_test::Request(ImportFormat::kEia930, std::move(files), std::move(region));
}

// The method written out independently of the importer: MWh-weighted mean of the factors
// over the fuels that generated (> 0) in the hour.
double Intensity(std::initializer_list<std::pair<Fuel, double>> mix) {
  double weighted = 0, total = 0;
  for (const auto& [fuel, mwh] : mix) {
    if (mwh <= 0) continue;
    weighted += mwh * FactorOf(fuel).gco2e_per_kwh;
    total += mwh;
  }
  return weighted / total;
}

using F = Fuel;

TEST(ImportEia930Test, FactorTableIsTheCitedLifecycleMedians) {
  EXPECT_EQ(FactorOf(F::kCoal).gco2e_per_kwh, 820);
  EXPECT_EQ(FactorOf(F::kNaturalGas).gco2e_per_kwh, 490);
  EXPECT_EQ(FactorOf(F::kNuclear).gco2e_per_kwh, 12);
  EXPECT_EQ(FactorOf(F::kHydro).gco2e_per_kwh, 24);
  EXPECT_EQ(FactorOf(F::kWind).gco2e_per_kwh, 11);
  EXPECT_EQ(FactorOf(F::kSolar).gco2e_per_kwh, 48);
  EXPECT_EQ(FactorOf(F::kGeothermal).gco2e_per_kwh, 38);
  for (const FuelFactor& f : kFuelFactors) EXPECT_FALSE(f.citation.empty()) << f.name;
}

TEST(ImportEia930Test, BulkFileWithThousandsSeparatorsAndNegativeHydro) {
  auto table = ImportFiles(Request({Fixture(kLegacy)}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  // Fixture rows of SWPP (UTC end of hour -> start), in MWh: coal, gas, nuclear, petroleum,
  // hydro and pumped storage, solar, wind, other, unknown.
  const double h22 = Intensity({{F::kCoal, 12345},
                                {F::kNaturalGas, 8210},
                                {F::kNuclear, 1768},
                                {F::kHydro, -45},
                                {F::kSolar, 0},
                                {F::kWind, 9876},
                                {F::kOther, 120}});
  const double h23 = Intensity({{F::kCoal, 12001},
                                {F::kNaturalGas, 8002},
                                {F::kNuclear, 1769},
                                {F::kHydro, 310},
                                {F::kSolar, 0},
                                {F::kWind, 10234},
                                {F::kOther, 118}});
  const double h01 = Intensity({{F::kCoal, 11500},
                                {F::kNaturalGas, 7950},
                                {F::kNuclear, 1770},
                                {F::kPetroleum, 3},
                                {F::kHydro, 295},
                                {F::kSolar, 0},
                                {F::kWind, 10500},
                                {F::kOther, 117},
                                {F::kUnknown, 12}});
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2020-01-01T22:00:00Z")->period.gco2e_per_kwh, h22);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2020-01-01T23:00:00Z")->period.gco2e_per_kwh, h23);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2020-01-02T01:00:00Z")->period.gco2e_per_kwh, h01);
  // The hour ending 01:00 UTC reports no source at all: skipped, never 0.
  EXPECT_EQ(RowAt(*table, "2020-01-02T00:00:00Z"), nullptr);
  EXPECT_TRUE(AnyNoteHas(*table, "EIA930_BALANCE_2020_Jan_Jun.csv:5"));
  EXPECT_TRUE(AnyNoteHas(*table, "1 negative net generation values counted as 0"));
  for (const Row& row : table->rows) {
    EXPECT_EQ(row.region, "SWPP");
    EXPECT_EQ(row.period.resolution, Resolution::kHour);
  }
  const TableMeta& meta = table->meta;
  EXPECT_EQ(meta.id, "eia930-swpp");
  EXPECT_EQ(meta.licence, "public domain (U.S. Government work, EIA)");
  EXPECT_EQ(meta.basis, "average");
  EXPECT_EQ(meta.scope, "lifecycle");
  EXPECT_NE(meta.source.find("EIA-930"), std::string::npos);
  EXPECT_NE(meta.source.find(kLegacy), std::string::npos);
  EXPECT_NE(meta.notes.find("coal 820"), std::string::npos);
  EXPECT_NE(meta.notes.find("the reported columns"), std::string::npos);
  ExpectRoundTrip(*table);
}

TEST(ImportEia930Test, NewerLayoutReadsAdjustedSeriesAndLeavesStorageOut) {
  auto table = ImportFiles(Request({Fixture(kNewer)}, "swpp"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  // (Adjusted) columns; batteries and pumped storage are not in the mix; solar with integrated
  // battery storage ("witho" in EIA's header) counts as solar.
  const double h22 = Intensity({{F::kCoal, 9120},
                                {F::kNaturalGas, 21050},
                                {F::kNuclear, 1770},
                                {F::kHydro, 410},
                                {F::kSolar, 6020},
                                {F::kSolar, 150},
                                {F::kWind, 11230},
                                {F::kOther, 95}});
  // Coal is blank in the reported column this hour and imputed (9050) in the Adjusted one.
  const double h23 = Intensity({{F::kCoal, 9050},
                                {F::kNaturalGas, 20410},
                                {F::kNuclear, 1769},
                                {F::kHydro, 402},
                                {F::kSolar, 4990},
                                {F::kSolar, 140},
                                {F::kWind, 12010},
                                {F::kOther, 93}});
  const double h00 = Intensity({{F::kCoal, 8990},
                                {F::kNaturalGas, 19800},
                                {F::kNuclear, 1770},
                                {F::kPetroleum, 4},
                                {F::kHydro, 390},
                                {F::kSolar, 3110},
                                {F::kSolar, 122},
                                {F::kWind, 12870},
                                {F::kOther, 91},
                                {F::kUnknown, 7}});
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2025-06-30T22:00:00Z")->period.gco2e_per_kwh, h22);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2025-06-30T23:00:00Z")->period.gco2e_per_kwh, h23);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2025-07-01T00:00:00Z")->period.gco2e_per_kwh, h00);
  // Every source 0 in the hour ending 02:00: skipped.
  EXPECT_EQ(RowAt(*table, "2025-07-01T01:00:00Z"), nullptr);
  EXPECT_TRUE(
      AnyNoteHas(*table, "zero total generation skipped: 1 (" + std::string(kNewer) + ":5)"));
  EXPECT_NE(table->meta.notes.find("(Adjusted)"), std::string::npos);
  EXPECT_EQ(table->rows[0].region, "SWPP");
  ExpectRoundTrip(*table);
}

TEST(ImportEia930Test, ApiResponseHourEndingPeriods) {
  auto table = ImportFiles(Request({Fixture(kApi)}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 2u);
  // period 2024-10-24T16 is the hour ending 16:00 UTC; BAT is storage, OIL null not reported.
  const double h15 = Intensity({{F::kCoal, 9120},
                                {F::kNaturalGas, 14210},
                                {F::kNuclear, 1768},
                                {F::kPetroleum, 2},
                                {F::kHydro, -30},
                                {F::kSolar, 2870},
                                {F::kWind, 10450},
                                {F::kOther, 101}});
  const double h14 = Intensity({{F::kCoal, 9302},
                                {F::kNaturalGas, 13980},
                                {F::kNuclear, 1768},
                                {F::kHydro, 288},
                                {F::kSolar, 2610},
                                {F::kWind, 10922},
                                {F::kOther, 99}});
  EXPECT_DOUBLE_EQ(RowAt(*table, "2024-10-24T15:00:00Z")->period.gco2e_per_kwh, h15);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2024-10-24T14:00:00Z")->period.gco2e_per_kwh, h14);
  EXPECT_EQ(table->meta.id, "eia930-swpp");
  ExpectRoundTrip(*table);
}

TEST(ImportEia930Test, SeveralBalancingAuthoritiesNeedARegion) {
  ExpectInvalid(
      ImportFiles(Request({Fixture(kLegacy)}, "")),
      {std::string(kLegacy) + ":2", "field 'Balancing Authority'", "--region", "MISO, SWPP"});
}

TEST(ImportEia930Test, UnknownBalancingAuthorityChosen) {
  ExpectInvalid(
      ImportFiles(Request({Fixture(kLegacy)}, "ERCO")),
      {std::string(kLegacy) + ":2", "field 'Balancing Authority'", "'ERCO'", "MISO, SWPP"});
}

TEST(ImportEia930Test, BadNumberNamesFileLineAndColumn) {
  kfm::testing::TempDir dir;
  auto path = WriteText(dir.path(), "bad.csv",
                        Replace(ReadText(Fixture(kLegacy)), "\"8,210\"", "\"8,2l0\""));
  ExpectInvalid(ImportFiles(Request({path})),
                {"bad.csv:3", "field 'Net Generation (MW) from Natural Gas'", "8,2l0"});
}

TEST(ImportEia930Test, BadTimeNamesFileLineAndColumn) {
  kfm::testing::TempDir dir;
  auto path = WriteText(
      dir.path(), "bad-time.csv",
      Replace(ReadText(Fixture(kLegacy)), "01/01/2020 11:00:00 PM", "13/01/2020 11:00:00 PM"));
  ExpectInvalid(ImportFiles(Request({path})),
                {"bad-time.csv:3", "field 'UTC Time at End of Hour'", "13/01/2020"});
}

TEST(ImportEia930Test, MissingTimeColumnIsRefused) {
  kfm::testing::TempDir dir;
  auto path =
      WriteText(dir.path(), "no-time.csv",
                Replace(ReadText(Fixture(kLegacy)), "\"UTC Time at End of Hour\"", "\"UTC Time\""));
  ExpectInvalid(ImportFiles(Request({path})),
                {"no-time.csv:1", "field 'UTC Time at End of Hour'", "missing"});
}

TEST(ImportEia930Test, EnergySourceWithoutAFactorIsRefused) {
  kfm::testing::TempDir dir;
  auto path =
      WriteText(dir.path(), "hydrogen.csv",
                Replace(ReadText(Fixture(kLegacy)), "from Unknown Fuel Sources", "from Hydrogen"));
  ExpectInvalid(ImportFiles(Request({path})),
                {"hydrogen.csv:1", "field 'Net Generation (MW) from Hydrogen'", "fuel_factors.h"});
}

TEST(ImportEia930Test, DuplicateHourWithAnotherValueNamesBothPlaces) {
  kfm::testing::TempDir dir;
  auto second = WriteText(dir.path(), "revised.csv",
                          Replace(ReadText(Fixture(kLegacy)), "\"12,001\"", "\"12,002\""));
  ExpectInvalid(
      ImportFiles(Request({Fixture(kLegacy), second})),
      {"revised.csv:4", std::string(kLegacy) + ":4", "2020-01-01T23:00:00Z", "different values"});
  // The same file twice: every hour identical, kept once.
  auto twice = ImportFiles(Request({Fixture(kLegacy), Fixture(kLegacy)}));
  ASSERT_TRUE(twice.ok()) << twice.status().message();
  EXPECT_EQ(twice->rows.size(), 3u);
  EXPECT_TRUE(AnyNoteHas(*twice, "3 hours given twice with identical values"));
}

TEST(ImportEia930Test, ApiUnknownFuelCodeAndBadValueNameTheRecord) {
  kfm::testing::TempDir dir;
  const std::string text = ReadText(Fixture(kApi));
  // Element 7 of response.data (0-based) is the first OTH; each element spans 9 lines from 7.
  auto code = WriteText(dir.path(), "code.json",
                        Replace(text, "\"fueltype\": \"OTH\"", "\"fueltype\": \"XYZ\""));
  ExpectInvalid(ImportFiles(Request({code})),
                {"code.json:70", "field 'response.data[7].fueltype'", "XYZ"});
  auto value = WriteText(dir.path(), "value.json",
                         Replace(text, "\"value\": \"14210\"", "\"value\": \"14x10\""));
  ExpectInvalid(ImportFiles(Request({value})),
                {"value.json:16", "field 'response.data[1].value'", "14x10"});
  auto daily = WriteText(dir.path(), "daily.json",
                         Replace(text, "\"frequency\": \"hourly\"", "\"frequency\": \"daily\""));
  ExpectInvalid(ImportFiles(Request({daily})), {"daily.json:1", "response.frequency", "daily"});
  auto broken = WriteText(dir.path(), "broken.json", text.substr(0, 300));
  ExpectInvalid(ImportFiles(Request({broken})), {"broken.json:", "not valid JSON"});
}

}  // namespace
}  // namespace kfm::carbon
