#include <gtest/gtest.h>

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

constexpr ImportFormat kEm = ImportFormat::kElectricityMaps;

ImportRequest Request(std::vector<std::filesystem::path> files, std::string region = "") {
  return import_test::Request(kEm, std::move(files), std::move(region));
}

TEST(ImportElectricityMapsTest, OlderLcaExportGivesHourlyLifecycleRowsAcrossADay) {
  auto table = ImportFiles(Request({Fixture("DE_2023_hourly.csv")}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  // The fixture's "(LCA)" column, by hour; 23:00 has an empty cell and is left out.
  const std::pair<const char*, double> expected[] = {{"2023-06-30T21:00:00Z", 356.12},
                                                     {"2023-06-30T22:00:00Z", 364.9},
                                                     {"2023-07-01T00:00:00Z", 368.25},
                                                     {"2023-07-01T01:00:00Z", 359.64}};
  ASSERT_EQ(table->rows.size(), std::size(expected));
  for (const auto& [start, value] : expected) {
    const Row* row = RowAt(*table, start);
    ASSERT_NE(row, nullptr) << start;
    EXPECT_EQ(row->region, "DE");
    EXPECT_EQ(row->period.resolution, Resolution::kHour);
    EXPECT_DOUBLE_EQ(row->period.gco2e_per_kwh, value);
  }
  EXPECT_EQ(RowAt(*table, "2023-06-30T23:00:00Z"), nullptr) << "a missing value is never 0";
  EXPECT_TRUE(AnyNoteHas(*table, "DE_2023_hourly.csv:4")) << "the skipped hour is named";
  EXPECT_TRUE(AnyNoteHas(*table, "1 of 4 values are estimates"));

  const TableMeta& meta = table->meta;
  EXPECT_EQ(meta.id, "electricitymaps-de");
  EXPECT_EQ(meta.version, "20261201T083000Z");
  EXPECT_EQ(meta.retrieved, "2026-12-01");
  EXPECT_EQ(meta.licence, "as licensed to the user by Electricity Maps");
  EXPECT_EQ(meta.basis, "average");
  EXPECT_EQ(meta.scope, "lifecycle");
  EXPECT_NE(meta.source.find("Electricity Maps"), std::string::npos);
  EXPECT_NE(meta.source.find("DE_2023_hourly.csv"), std::string::npos);
  EXPECT_NE(meta.notes.find("(LCA)"), std::string::npos);
  ExpectRoundTrip(*table);
}

TEST(ImportElectricityMapsTest, NewerLifeCycleExportWithBomCrlfAndQuotes) {
  const std::string text = ReadText(Fixture("US-CENT-SWPP_2024_hourly.csv"));
  ASSERT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  ASSERT_NE(text.find("\r\n"), std::string::npos);
  auto table = ImportFiles(Request({Fixture("US-CENT-SWPP_2024_hourly.csv")}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->meta.id, "electricitymaps-us-cent-swpp");
  EXPECT_EQ(table->rows[0].region, "US-CENT-SWPP");
  EXPECT_DOUBLE_EQ(RowAt(*table, "2024-03-09T23:00:00Z")->period.gco2e_per_kwh, 455.3);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2024-03-10T00:00:00Z")->period.gco2e_per_kwh, 451.09);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2024-03-10T01:00:00Z")->period.gco2e_per_kwh, 443.61);
  EXPECT_NE(table->meta.notes.find("(Life cycle)"), std::string::npos);
  ExpectRoundTrip(*table);
}

TEST(ImportElectricityMapsTest, DailyExportMapsToDays) {
  auto table = ImportFiles(Request({Fixture("DE_2023_daily.csv")}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 3u);
  for (const Row& row : table->rows) EXPECT_EQ(row.period.resolution, Resolution::kDay);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2023-06-30T00:00:00Z")->period.gco2e_per_kwh, 363.02);
  EXPECT_EQ(table->meta.id, "electricitymaps-de-daily");
  ExpectRoundTrip(*table);
}

TEST(ImportElectricityMapsTest, FilesConcatenateAndAnIdenticalRepeatedHourIsKeptOnce) {
  auto table = ImportFiles(
      Request({Fixture("DE_2023_hourly.csv"), Fixture("DE_2023_hourly_part2.csv")}, "de"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->rows.size(), 6u);  // 4 + 3, 01:00 in both with the same value
  EXPECT_DOUBLE_EQ(RowAt(*table, "2023-07-01T03:00:00Z")->period.gco2e_per_kwh, 347.5);
  EXPECT_TRUE(AnyNoteHas(*table, "1 rows given twice with identical values"));
  EXPECT_NE(table->meta.source.find("DE_2023_hourly.csv, DE_2023_hourly_part2.csv"),
            std::string::npos);
  ExpectRoundTrip(*table);
}

TEST(ImportElectricityMapsTest, TimeZoneOffsetsAreConvertedToUtc) {
  kfm::testing::TempDir dir;
  std::string text = ReadText(Fixture("DE_2023_hourly_part2.csv"));
  text = Replace(text, "2023-07-01 02:00:00", "2023-07-01T04:00:00+02:00");
  text = Replace(text, "2023-07-01 03:00:00", "2023-07-01T03:00:00.000Z");
  auto table = ImportFiles(Request({WriteText(dir.path(), "DE.csv", text)}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_DOUBLE_EQ(RowAt(*table, "2023-07-01T02:00:00Z")->period.gco2e_per_kwh, 353.87);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2023-07-01T03:00:00Z")->period.gco2e_per_kwh, 347.5);
}

TEST(ImportElectricityMapsTest, DuplicateHourWithAnotherValueNamesBothPlaces) {
  kfm::testing::TempDir dir;
  const std::string text =
      Replace(ReadText(Fixture("DE_2023_hourly_part2.csv")), "359.64", "360.01");
  auto path = WriteText(dir.path(), "DE_2023_hourly_fixed.csv", text);
  ExpectInvalid(ImportFiles(Request({Fixture("DE_2023_hourly.csv"), path})),
                {"DE_2023_hourly_fixed.csv:2", "DE_2023_hourly.csv:6", "field 'Datetime (UTC)'",
                 "2023-07-01T01:00:00Z", "359.64", "360.01"});
}

TEST(ImportElectricityMapsTest, MissingLifecycleColumnIsRefused) {
  kfm::testing::TempDir dir;
  const std::string text = Replace(ReadText(Fixture("DE_2023_hourly.csv")),
                                   "Carbon Intensity gCO\u2082eq/kWh (LCA)", "Carbon Intensity");
  auto path = WriteText(dir.path(), "no-lca.csv", text);
  ExpectInvalid(ImportFiles(Request({path})),
                {"no-lca.csv:1", "field 'Carbon Intensity gCO\u2082eq/kWh (LCA)'", "missing"});
}

TEST(ImportElectricityMapsTest, MissingTimeColumnIsRefused) {
  kfm::testing::TempDir dir;
  const std::string text =
      Replace(ReadText(Fixture("DE_2023_hourly.csv")), "Datetime (UTC)", "Datetime");
  auto path = WriteText(dir.path(), "no-time.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"no-time.csv:1", "field 'Datetime (UTC)'"});
}

TEST(ImportElectricityMapsTest, BadNumberNamesFileLineAndColumn) {
  kfm::testing::TempDir dir;
  const std::string text = Replace(ReadText(Fixture("DE_2023_hourly.csv")), "368.25", "368.2x");
  auto path = WriteText(dir.path(), "bad-number.csv", text);
  ExpectInvalid(ImportFiles(Request({path})),
                {"bad-number.csv:5", "field 'Carbon Intensity gCO\u2082eq/kWh (LCA)'", "368"});
}

TEST(ImportElectricityMapsTest, NegativeIntensityIsRefused) {
  kfm::testing::TempDir dir;
  const std::string text = Replace(ReadText(Fixture("DE_2023_hourly.csv")), "364.9", "-364.9");
  auto path = WriteText(dir.path(), "negative.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"negative.csv:3", "-364.9"});
}

TEST(ImportElectricityMapsTest, BadTimeNamesFileLineAndColumn) {
  kfm::testing::TempDir dir;
  const std::string text =
      Replace(ReadText(Fixture("DE_2023_hourly.csv")), "2023-06-30 22:00:00", "2023-06-31 22:00");
  auto path = WriteText(dir.path(), "bad-time.csv", text);
  ExpectInvalid(ImportFiles(Request({path})),
                {"bad-time.csv:3", "field 'Datetime (UTC)'", "2023-06-31 22:00"});
}

TEST(ImportElectricityMapsTest, TimeOffTheHourIsRefused) {
  kfm::testing::TempDir dir;
  std::string text = ReadText(Fixture("DE_2023_hourly_part2.csv"));
  text = Replace(text, "2023-07-01 01:00:00", "2023-07-01 01:30:00");
  text = Replace(text, "2023-07-01 02:00:00", "2023-07-01 02:30:00");
  text = Replace(text, "2023-07-01 03:00:00", "2023-07-01 03:30:00");
  auto path = WriteText(dir.path(), "half-past.csv", text);
  ExpectInvalid(ImportFiles(Request({path})),
                {"half-past.csv:2", "field 'Datetime (UTC)'", "does not begin a whole hour"});
}

TEST(ImportElectricityMapsTest, MixedSpacingIsRefused) {
  kfm::testing::TempDir dir;
  // Hourly rows, then one a day later.
  const std::string text = Replace(ReadText(Fixture("DE_2023_hourly_part2.csv")),
                                   "2023-07-01 03:00:00", "2023-07-02 03:00:00");
  auto path = WriteText(dir.path(), "mixed.csv", text);
  ExpectInvalid(ImportFiles(Request({path})),
                {"mixed.csv:4", "field 'Datetime (UTC)'", "mixed spacing"});
}

TEST(ImportElectricityMapsTest, HourlyAndDailyFilesTogetherAreRefused) {
  ExpectInvalid(ImportFiles(Request({Fixture("DE_2023_hourly.csv"), Fixture("DE_2023_daily.csv")})),
                {"DE_2023_daily.csv:2", "daily", "hourly", "separately"});
}

TEST(ImportElectricityMapsTest, MonthlySpacingIsRefused) {
  kfm::testing::TempDir dir;
  std::string text = ReadText(Fixture("DE_2023_daily.csv"));
  text = Replace(text, "2023-06-30 00:00:00", "2023-07-01 00:00:00");
  text = Replace(text, "2023-07-01 00:00:00,Germany,Germany,DE,299.9",
                 "2023-08-01 00:00:00,Germany,Germany,DE,299.9");
  text = Replace(text, "2023-06-29 00:00:00", "2023-06-01 00:00:00");
  auto path = WriteText(dir.path(), "DE_2023_monthly.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"DE_2023_monthly.csv:3", "apart"});
}

TEST(ImportElectricityMapsTest, UnknownZoneChosenNamesTheFileAndTheZonesItHolds) {
  ExpectInvalid(ImportFiles(Request({Fixture("DE_2023_hourly.csv")}, "FR")),
                {"DE_2023_hourly.csv:2", "field 'Zone Id'", "'FR'", "DE"});
}

TEST(ImportElectricityMapsTest, SeveralZonesNeedARegion) {
  kfm::testing::TempDir dir;
  const std::string text = ReadText(Fixture("DE_2023_hourly.csv")) +
                           "2023-06-30 21:00:00,France,France,FR,30.1,51.7,92.0,30.4,rte-france."
                           "com,false,\n";
  auto path = WriteText(dir.path(), "two-zones.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"two-zones.csv:2", "--region", "DE, FR"});
  auto fr = ImportFiles(Request({path}, "FR"));
  ASSERT_TRUE(fr.ok()) << fr.status().message();
  ASSERT_EQ(fr->rows.size(), 1u);
  EXPECT_EQ(fr->rows[0].region, "FR");
  EXPECT_DOUBLE_EQ(fr->rows[0].period.gco2e_per_kwh, 51.7);
  EXPECT_EQ(fr->meta.id, "electricitymaps-fr");
}

TEST(ImportElectricityMapsTest, UnclosedQuoteIsRefused) {
  kfm::testing::TempDir dir;
  const std::string text = Replace(ReadText(Fixture("DE_2023_hourly.csv")),
                                   "2023-07-01 01:00:00,Germany", "2023-07-01 01:00:00,\"Germany");
  auto path = WriteText(dir.path(), "quote.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"quote.csv:6", "quoted field"});
}

TEST(ImportElectricityMapsTest, QuotedLineBreaksKeepLineNumbersRight) {
  kfm::testing::TempDir dir;
  std::string text = Replace(ReadText(Fixture("DE_2023_hourly.csv")), "entsoe.eu,false,\n",
                             "\"entsoe.eu,\n\"\"manual\"\"\",false,\n");  // row of line 2
  text = Replace(text, "368.25", "n/a");  // the row that was on line 5 now starts on line 6
  auto path = WriteText(dir.path(), "multiline.csv", text);
  ExpectInvalid(ImportFiles(Request({path})), {"multiline.csv:6", "'n/a'"});
}

TEST(ImportElectricityMapsTest, HeaderOnlyFileIsRefused) {
  kfm::testing::TempDir dir;
  const std::string text = ReadText(Fixture("DE_2023_hourly.csv"));
  auto path = WriteText(dir.path(), "empty.csv", text.substr(0, text.find('\n') + 1));
  ExpectInvalid(ImportFiles(Request({path})), {"empty.csv", "no data rows"});
}

TEST(ImportElectricityMapsTest, UnreadableFileIsAnIoError) {
  auto table = ImportFiles(Request({Fixture("does-not-exist.csv")}));
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), Status::Code::kIoError);
  EXPECT_NE(table.status().message().find("does-not-exist.csv"), std::string::npos);
}

TEST(ImportElectricityMapsTest, ParseImportFormatListsTheThree) {
  EXPECT_EQ(*ParseImportFormat("electricitymaps"), ImportFormat::kElectricityMaps);
  EXPECT_EQ(*ParseImportFormat("eia930"), ImportFormat::kEia930);
  EXPECT_EQ(*ParseImportFormat("carbon-aware-json"), ImportFormat::kCarbonAwareJson);
  auto bad = ParseImportFormat("watttime");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  for (const char* name : {"watttime", "electricitymaps", "eia930", "carbon-aware-json"}) {
    EXPECT_NE(bad.status().message().find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace kfm::carbon
