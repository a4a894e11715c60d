// Carbon table files: what loads, and every malformed case refused with file, line and field.
#include "carbon/table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace kfm::carbon {
namespace {

constexpr char kMeta[] = R"({"id": "test-hourly", "version": "1", "source": "unit test",
  "licence": "CC0-1.0", "retrieved": "2026-11-30", "basis": "average", "scope": "lifecycle"})";

Result<Table> Parse(const std::string& csv, const std::string& meta = kMeta) {
  return ParseTable(csv, meta, "t.csv", "t.meta.json");
}

// The error message of parsing `csv`, which must fail.
std::string ErrorOf(const std::string& csv, const std::string& meta = kMeta) {
  auto table = Parse(csv, meta);
  EXPECT_FALSE(table.ok()) << csv;
  if (table.ok()) return "";
  EXPECT_EQ(table.status().code(), Status::Code::kInvalidArgument);
  return table.status().message();
}

TEST(CarbonTableTest, ParsesRowsOfEveryResolutionAndSortsThem) {
  auto table = Parse(
      "region,start,resolution,gco2e_per_kwh\n"
      "SWPP,2026-11-25T05:00:00Z,hour,410.5\n"
      "SWPP,2026-11-25T00:00:00Z,day,400\n"
      "SWPP,2026-11-25T06:00:00Z,hour,420\n"
      "SWPP,,static,600\n"
      "MISO,2025-01-01T00:00:00Z,year,480\r\n");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->row_count(), 5u);
  ASSERT_EQ(table->regions.count("SWPP"), 1u);
  const auto& swpp = table->regions.at("SWPP");
  ASSERT_EQ(swpp.size(), 4u);
  EXPECT_EQ(swpp[0].resolution, Resolution::kHour);
  EXPECT_DOUBLE_EQ(swpp[0].gco2e_per_kwh, 410.5);
  EXPECT_EQ(swpp[1].resolution, Resolution::kHour);
  EXPECT_EQ(swpp[2].resolution, Resolution::kDay);
  EXPECT_EQ(swpp[3].resolution, Resolution::kStatic);
  EXPECT_EQ(table->meta.id, "test-hourly");
}

TEST(CarbonTableTest, Sha256IsOfTheValuesBytes) {
  // FIPS 180-2 test vector: sha256("abc").
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string csv = "region,start,resolution,gco2e_per_kwh\nX,,static,1\n";
  auto table = Parse(csv);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->sha256, Sha256Hex(csv));
  auto other = Parse(csv + "Y,,static,2\n");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->sha256, table->sha256);
}

TEST(CarbonTableTest, ColumnsMayComeInAnyOrder) {
  auto table = Parse("gco2e_per_kwh,resolution,region,start\n12,hour,X,2026-01-01T00:00:00Z\n");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_DOUBLE_EQ(table->regions.at("X").front().gco2e_per_kwh, 12);
}

TEST(CarbonTableTest, UnknownColumnNamesFileLineAndField) {
  const auto message = ErrorOf("region,start,resolution,gco2e_per_kwh,co2\n");
  EXPECT_NE(message.find("t.csv:1"), std::string::npos) << message;
  EXPECT_NE(message.find("field 'co2'"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown column"), std::string::npos) << message;
}

TEST(CarbonTableTest, MissingColumnIsRefused) {
  const auto message = ErrorOf("region,start,gco2e_per_kwh\n");
  EXPECT_NE(message.find("field 'resolution'"), std::string::npos) << message;
}

TEST(CarbonTableTest, NonNumericValueNamesLineAndField) {
  const auto message = ErrorOf(
      "region,start,resolution,gco2e_per_kwh\n"
      "X,2026-01-01T00:00:00Z,hour,12\n"
      "X,2026-01-01T01:00:00Z,hour,12g\n");
  EXPECT_NE(message.find("t.csv:3: field 'gco2e_per_kwh'"), std::string::npos) << message;
  EXPECT_NE(message.find("not a number"), std::string::npos) << message;
  EXPECT_NE(ErrorOf("region,start,resolution,gco2e_per_kwh\nX,,static,\n").find("not a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf("region,start,resolution,gco2e_per_kwh\nX,,static,nan\n").find("not a number"),
            std::string::npos);
}

TEST(CarbonTableTest, NegativeValueIsRefused) {
  const auto message = ErrorOf("region,start,resolution,gco2e_per_kwh\nX,,static,-1\n");
  EXPECT_NE(message.find("t.csv:2: field 'gco2e_per_kwh'"), std::string::npos) << message;
  EXPECT_NE(message.find("negative"), std::string::npos) << message;
}

TEST(CarbonTableTest, UnsortedPeriodsAreRefusedNamingBothLines) {
  const auto message = ErrorOf(
      "region,start,resolution,gco2e_per_kwh\n"
      "X,2026-01-01T02:00:00Z,hour,1\n"
      "X,2026-01-01T01:00:00Z,hour,1\n");
  EXPECT_NE(message.find("t.csv:3: field 'start'"), std::string::npos) << message;
  EXPECT_NE(message.find("sorted"), std::string::npos) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
}

TEST(CarbonTableTest, OverlappingPeriodsAreRefused) {
  const auto message = ErrorOf(
      "region,start,resolution,gco2e_per_kwh\n"
      "X,2026-01-01T01:00:00Z,hour,1\n"
      "X,2026-01-01T01:00:00Z,hour,2\n");
  EXPECT_NE(message.find("t.csv:3: field 'start'"), std::string::npos) << message;
  EXPECT_NE(message.find("overlaps"), std::string::npos) << message;
  // Other regions and other resolutions may share the time.
  EXPECT_TRUE(Parse("region,start,resolution,gco2e_per_kwh\n"
                    "X,2026-01-01T00:00:00Z,hour,1\n"
                    "Y,2026-01-01T00:00:00Z,hour,1\n"
                    "X,2026-01-01T00:00:00Z,day,1\n")
                  .ok());
}

TEST(CarbonTableTest, StartsMustBeUtcAndBeginTheirPeriod) {
  const std::string header = "region,start,resolution,gco2e_per_kwh\n";
  EXPECT_NE(ErrorOf(header + "X,2026-01-01T01:30:00Z,hour,1\n").find("whole hour"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-01-02T01:00:00Z,day,1\n").find("whole day"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-02-01T00:00:00Z,year,1\n").find("whole year"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-01-01T01:00:00+01:00,hour,1\n").find("not a UTC time"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-02-30T00:00:00Z,day,1\n").find("not a UTC time"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-01-01T00:00:00Z,static,1\n").find("empty for a static"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,2026-01-01T00:00:00Z,minute,1\n").find("field 'resolution'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,,static,1\nX,,static,2\n").find("second static"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "X,,static\n").find("expected 4 fields"), std::string::npos);
  EXPECT_NE(ErrorOf(header + ",,static,1\n").find("field 'region'"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("no header"), std::string::npos);
}

TEST(CarbonTableTest, MetadataIsCheckedFieldByField) {
  const std::string csv = "region,start,resolution,gco2e_per_kwh\nX,,static,1\n";
  auto meta = [](const std::string& extra_or_changed) {
    std::string text = kMeta;
    return text.substr(0, text.size() - 1) + ", " + extra_or_changed + "}";
  };
  EXPECT_NE(ErrorOf(csv, meta(R"("colour": "red")")).find("t.meta.json: field 'colour'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(csv, R"({"id": "x"})").find("field 'version': missing"), std::string::npos);
  std::string bad_basis = kMeta;
  bad_basis.replace(bad_basis.find("average"), 7, "typical");
  EXPECT_NE(ErrorOf(csv, bad_basis).find("field 'basis'"), std::string::npos);
  std::string bad_date = kMeta;
  bad_date.replace(bad_date.find("2026-11-30"), 10, "30/11/2026");
  EXPECT_NE(ErrorOf(csv, bad_date).find("field 'retrieved'"), std::string::npos);
  std::string bad_id = kMeta;
  bad_id.replace(bad_id.find("test-hourly"), 11, "Test Hourly");
  EXPECT_NE(ErrorOf(csv, bad_id).find("field 'id'"), std::string::npos);
  EXPECT_NE(ErrorOf(csv, "{not json").find("t.meta.json: not valid JSON"), std::string::npos);
}

TEST(CarbonTableTest, PeriodEndsFollowTheCalendar) {
  int64_t y2024 = 0, y2025 = 0, d = 0;
  ASSERT_TRUE(ParseUtcSeconds("2024-01-01T00:00:00Z", &y2024));
  ASSERT_TRUE(ParseUtcSeconds("2025-01-01T00:00:00Z", &y2025));
  EXPECT_EQ(PeriodEnd({y2024, Resolution::kYear, 0}), y2025);  // 366 days: a leap year
  EXPECT_EQ(y2025 - y2024, 366 * 86400);
  ASSERT_TRUE(ParseUtcSeconds("2026-03-29T00:00:00Z", &d));  // a DST change elsewhere; UTC only
  EXPECT_EQ(PeriodEnd({d, Resolution::kDay, 0}), d + 86400);
  EXPECT_EQ(FormatUtcSeconds(PeriodEnd({d, Resolution::kHour, 0})), "2026-03-29T01:00:00Z");
}

TEST(CarbonTableTest, WriteTableRoundTripsAndRefusesBadRowsWritingNothing) {
  testing::TempDir dir;
  TableMeta meta{"rt",         "20261201T000000Z", "unit test", "CC0-1.0",
                 "2026-12-01", "marginal",         "direct",    ""};
  int64_t h = 0;
  ASSERT_TRUE(ParseUtcSeconds("2026-11-25T04:00:00Z", &h));
  std::vector<Row> rows = {{"B", {h + 3600, Resolution::kHour, 0.1 + 0.2}},
                           {"A", {0, Resolution::kStatic, 700}},
                           {"B", {h, Resolution::kHour, 1e-3}}};
  auto path = WriteTable(dir.path(), meta, rows);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(path->filename(), "rt@20261201T000000Z.csv");
  auto loaded = LoadTableFile(*path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->meta.basis, "marginal");
  EXPECT_EQ(loaded->meta.scope, "direct");
  ASSERT_EQ(loaded->regions.at("B").size(), 2u);
  EXPECT_EQ(loaded->regions.at("B")[1].gco2e_per_kwh, 0.1 + 0.2);  // exact, shortest round trip
  EXPECT_EQ(loaded->regions.at("B")[0].gco2e_per_kwh, 1e-3);
  EXPECT_EQ(loaded->sha256, Sha256Hex(testing::ReadFile(path->string())));

  rows.push_back({"B", {h, Resolution::kHour, 5}});  // overlaps
  meta.version = "2";
  auto refused = WriteTable(dir.path(), meta, rows);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("overlaps"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/rt@2.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/rt@2.meta.json"));
}

TEST(CarbonTableTest, LoadTableFileNeedsItsMetadata) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/lonely.csv") << "region,start,resolution,gco2e_per_kwh\n";
  auto table = LoadTableFile(dir.path() + "/lonely.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("lonely.meta.json"), std::string::npos);
}

}  // namespace
}  // namespace kfm::carbon
