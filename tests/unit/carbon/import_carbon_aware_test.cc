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

constexpr const char kSdkFile[] = "carbon-aware-emissions.json";
constexpr const char kCliFile[] = "carbon-aware-cli-westus-5min.json";

ImportRequest Request(std::vector<std::filesystem::path> files, std::string region = "") {
  return import_test::Request(ImportFormat::kCarbonAwareJson, std::move(files), std::move(region));
}

// Line of element `i` of "Emissions" in carbon-aware-emissions.json (6 lines each, from 4).
std::string SdkPlace(const std::string& file, int i) {
  return file + ":" + std::to_string(4 + 6 * i);
}

TEST(ImportCarbonAwareTest, SdkDataSourceFileGivesHoursAcrossADay) {
  auto table = ImportFiles(Request({Fixture(kSdkFile)}, "eastus"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  // Ratings of eastus; the record at 01:00 lasts two hours and covers 01:00 and 02:00.
  const std::pair<const char*, double> expected[] = {{"2026-11-29T22:00:00Z", 412.5},
                                                     {"2026-11-29T23:00:00Z", 398.25},
                                                     {"2026-11-30T00:00:00Z", 380},
                                                     {"2026-11-30T01:00:00Z", 376.4},
                                                     {"2026-11-30T02:00:00Z", 376.4}};
  ASSERT_EQ(table->rows.size(), std::size(expected));
  for (const auto& [start, value] : expected) {
    const Row* row = RowAt(*table, start);
    ASSERT_NE(row, nullptr) << start;
    EXPECT_EQ(row->region, "eastus");
    EXPECT_EQ(row->period.resolution, Resolution::kHour);
    EXPECT_DOUBLE_EQ(row->period.gco2e_per_kwh, value);
  }
  const TableMeta& meta = table->meta;
  EXPECT_EQ(meta.id, "carbon-aware-eastus");
  EXPECT_EQ(meta.licence, "as licensed by the data provider");
  EXPECT_EQ(meta.basis, "average");
  EXPECT_EQ(meta.scope, "lifecycle");
  EXPECT_NE(meta.source.find("Carbon Aware SDK"), std::string::npos);
  EXPECT_NE(meta.source.find(kSdkFile), std::string::npos);
  EXPECT_NE(meta.notes.find("WattTime"), std::string::npos) << "the basis assumption is stated";
  EXPECT_TRUE(AnyNoteHas(*table, "marginal"));
  ExpectRoundTrip(*table);
}

TEST(ImportCarbonAwareTest, OffsetTimesAreConvertedToUtc) {
  auto table = ImportFiles(Request({Fixture(kSdkFile)}, "WESTUS"));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0].region, "westus");
  EXPECT_DOUBLE_EQ(RowAt(*table, "2026-11-29T22:00:00Z")->period.gco2e_per_kwh, 251.0);
  // "2026-11-29T18:00:00-05:00"
  EXPECT_DOUBLE_EQ(RowAt(*table, "2026-11-29T23:00:00Z")->period.gco2e_per_kwh, 255.5);
}

TEST(ImportCarbonAwareTest, CliArrayOfFiveMinuteRecordsBecomesHourlyMeans) {
  auto table = ImportFiles(Request({Fixture(kCliFile)}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 1u);
  // Twelve 5-minute ratings 200, 210, ..., 310 (one written as 05:30-05:00) cover 10:00.
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += 200 + 10 * i;
  EXPECT_DOUBLE_EQ(RowAt(*table, "2026-11-30T10:00:00Z")->period.gco2e_per_kwh, sum / 12);
  // 11:00 has only half an hour of records: skipped, named.
  EXPECT_EQ(RowAt(*table, "2026-11-30T11:00:00Z"), nullptr);
  EXPECT_TRUE(AnyNoteHas(*table, "partly covered by records skipped: 1"));
  EXPECT_TRUE(AnyNoteHas(*table, "1 hours are time-weighted means"));
  EXPECT_EQ(table->meta.id, "carbon-aware-westus");
  ExpectRoundTrip(*table);
}

TEST(ImportCarbonAwareTest, UnalignedHourRecordsAreTimeWeighted) {
  kfm::testing::TempDir dir;
  // The SDK's own sample data starts its hours at :50.
  const std::string text = R"([
  {"Location": "us-east-1", "Time": "2021-10-25T14:50:00+00:00", "Rating": 90, "Duration": "01:00"},
  {"Location": "us-east-1", "Time": "2021-10-25T15:50:00+00:00", "Rating": 57, "Duration": "01:00"},
  {"Location": "us-east-1", "Time": "2021-10-25T16:50:00+00:00", "Rating": 19, "Duration": "01:00"}
])";
  auto table = ImportFiles(Request({WriteText(dir.path(), "aws.json", text)}));
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 2u);  // 15:00 and 16:00; 14:00 and 17:00 partly covered
  EXPECT_DOUBLE_EQ(RowAt(*table, "2021-10-25T15:00:00Z")->period.gco2e_per_kwh,
                   (90 * 50 + 57 * 10) / 60.0);
  EXPECT_DOUBLE_EQ(RowAt(*table, "2021-10-25T16:00:00Z")->period.gco2e_per_kwh,
                   (57 * 50 + 19 * 10) / 60.0);
  EXPECT_EQ(table->meta.id, "carbon-aware-us-east-1");
}

TEST(ImportCarbonAwareTest, SeveralLocationsNeedARegion) {
  ExpectInvalid(ImportFiles(Request({Fixture(kSdkFile)})),
                {SdkPlace(kSdkFile, 0), "field 'Location'", "--region", "eastus, westus"});
}

TEST(ImportCarbonAwareTest, UnknownLocationChosen) {
  ExpectInvalid(ImportFiles(Request({Fixture(kSdkFile)}, "northeurope")),
                {SdkPlace(kSdkFile, 0), "'northeurope'", "eastus, westus"});
}

TEST(ImportCarbonAwareTest, BadRatingNamesFileLineAndField) {
  kfm::testing::TempDir dir;
  auto path = WriteText(dir.path(), "bad.json",
                        Replace(ReadText(Fixture(kSdkFile)), "398.25", "\"398.25x\""));
  ExpectInvalid(ImportFiles(Request({path}, "eastus")),
                {SdkPlace("bad.json", 1), "field 'Emissions[1].Rating'", "398.25x"});
}

TEST(ImportCarbonAwareTest, BadTimeNamesFileLineAndField) {
  kfm::testing::TempDir dir;
  auto path = WriteText(
      dir.path(), "bad-time.json",
      Replace(ReadText(Fixture(kSdkFile)), "2026-11-30T00:00:00+00:00", "30/11/2026 00:00"));
  ExpectInvalid(ImportFiles(Request({path}, "eastus")),
                {SdkPlace("bad-time.json", 2), "field 'Emissions[2].Time'", "30/11/2026"});
}

TEST(ImportCarbonAwareTest, MissingDurationIsRefused) {
  kfm::testing::TempDir dir;
  auto path = WriteText(
      dir.path(), "no-duration.json",
      Replace(ReadText(Fixture(kSdkFile)), "\"Duration\": \"02:00:00\"", "\"Span\": \"02:00:00\""));
  ExpectInvalid(ImportFiles(Request({path}, "eastus")),
                {SdkPlace("no-duration.json", 3), "field 'Emissions[3].Duration'", "missing"});
}

TEST(ImportCarbonAwareTest, MissingEmissionsArrayIsRefused) {
  kfm::testing::TempDir dir;
  auto path = WriteText(dir.path(), "forecasts.json",
                        Replace(ReadText(Fixture(kSdkFile)), "\"Emissions\"", "\"Forecasts\""));
  ExpectInvalid(ImportFiles(Request({path}, "eastus")),
                {"forecasts.json:1", "field 'Emissions'", "missing"});
}

TEST(ImportCarbonAwareTest, OverlappingHourWithAnotherRatingNamesBothPlaces) {
  kfm::testing::TempDir dir;
  auto second =
      WriteText(dir.path(), "again.json", Replace(ReadText(Fixture(kSdkFile)), "412.5", "413"));
  ExpectInvalid(
      ImportFiles(Request({Fixture(kSdkFile), second}, "eastus")),
      {SdkPlace("again.json", 0), SdkPlace(kSdkFile, 0), "413", "412.5", "2026-11-29T22:00:00Z"});
  // The same file twice: identical records, kept once.
  auto twice = ImportFiles(Request({Fixture(kSdkFile), Fixture(kSdkFile)}, "eastus"));
  ASSERT_TRUE(twice.ok()) << twice.status().message();
  EXPECT_EQ(twice->rows.size(), 5u);
  EXPECT_TRUE(AnyNoteHas(*twice, "given twice with identical values"));
}

TEST(ImportCarbonAwareTest, InvalidJsonNamesTheLine) {
  kfm::testing::TempDir dir;
  auto path =
      WriteText(dir.path(), "broken.json",
                Replace(ReadText(Fixture(kSdkFile)), "\"Rating\": 380,", "\"Rating\": 380"));
  ExpectInvalid(ImportFiles(Request({path}, "eastus")), {"broken.json:20", "not valid JSON"});
  auto huge =
      WriteText(dir.path(), "huge.json",
                Replace(ReadText(Fixture(kSdkFile)), "\"Rating\": 380,", "\"Rating\": 1e999,"));
  ExpectInvalid(ImportFiles(Request({huge}, "eastus")), {"huge.json", "not valid JSON", "1e999"});
}

}  // namespace
}  // namespace kfm::carbon
