#include "dataset_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "http_fetch.h"
#include "json_input.h"
#include "usgs_test_util.h"
#include "waterml_reader.h"

namespace kfm::jobs::usgs {
namespace {

using kfm::testing::ReadFile;
using kfm::testing::TempDir;
using testing::FixtureText;

ObservationSet FromFixture() {
  const std::string text = FixtureText("nwis_iv_ks.json");
  auto doc = ParseJson(text, "nwis_iv_ks.json");
  EXPECT_TRUE(doc.ok());
  auto batch = ReadWaterMl(*doc, text, "nwis_iv_ks.json");
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  ObservationSet set;
  set.Add(std::move(*batch));
  return set;
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream cells(line);
    while (std::getline(cells, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

TEST(DatasetWriter, WritesCsvSchemaSitesAndHashes) {
  TempDir out;
  const ObservationSet set = FromFixture();
  auto written = WriteDataset(out.path(), set.Observations(), set.Sites(), {"nwis_iv_ks.json"});
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->version, "20261101T06Z-20261101T07Z");
  EXPECT_EQ(written->rows, 9);
  const std::string dir = out.path() + "/20261101T06Z-20261101T07Z";
  EXPECT_TRUE(std::filesystem::equivalent(written->dir, dir));

  const std::string csv = ReadFile(dir + "/observations.csv");
  EXPECT_EQ(written->csv_sha256, Sha256Hex(csv));
  EXPECT_EQ(ReadFile(dir + "/observations.csv.sha256"),
            written->csv_sha256 + "  observations.csv\n");
  const auto rows = ReadCsv(csv);
  ASSERT_EQ(rows.size(), 10u);  // header + 9
  EXPECT_EQ(rows[0], (std::vector<std::string>{"site_id", "parameter_code", "time_utc", "value",
                                               "unit", "approval", "qualifiers"}));
  // Sorted by site: Lecompton (06891000) before DeSoto (06892350).
  EXPECT_EQ(rows[1], (std::vector<std::string>{"USGS-06891000", "00060", "2026-11-01T07:00:00Z",
                                               "1890", "ft3/s", "provisional", ""}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{"USGS-06892350", "00060", "2026-11-01T06:30:00Z",
                                               "2410", "ft3/s", "approved", ""}));
  EXPECT_EQ(rows[7], (std::vector<std::string>{"USGS-06892350", "00060", "2026-11-01T07:15:00Z",
                                               "2440", "ft3/s", "provisional", "e"}));

  // Every row satisfies the Table Schema written beside it.
  const auto schema = nlohmann::json::parse(ReadFile(dir + "/observations.schema.json"));
  const auto& fields = schema["fields"];
  ASSERT_EQ(fields.size(), rows[0].size());
  const std::regex utc(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  for (size_t c = 0; c < fields.size(); ++c) {
    EXPECT_EQ(fields[c]["name"], rows[0][c]);
    for (size_t r = 1; r < rows.size(); ++r) {
      const std::string& cell = rows[r][c];
      const auto& field = fields[c];
      const auto constraints = field.value("constraints", nlohmann::json::object());
      if (constraints.value("required", false)) {
        EXPECT_FALSE(cell.empty()) << field["name"] << " row " << r;
      }
      if (field["type"] == "number") {
        double value = 0;
        EXPECT_TRUE(ParseDecimal(cell, &value)) << cell;
      }
      if (field["type"] == "datetime") {
        EXPECT_TRUE(std::regex_match(cell, utc)) << cell;
      }
      if (constraints.contains("pattern")) {
        EXPECT_TRUE(std::regex_match(cell, std::regex(constraints["pattern"].get<std::string>())));
      }
      if (constraints.contains("enum")) {
        const auto& allowed = constraints["enum"];
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), cell), allowed.end()) << cell;
      }
    }
  }
  EXPECT_EQ(schema["primaryKey"], nlohmann::json({"site_id", "parameter_code", "time_utc"}));

  const auto sites = nlohmann::json::parse(ReadFile(dir + "/sites.geojson"));
  EXPECT_EQ(sites["type"], "FeatureCollection");
  ASSERT_EQ(sites["features"].size(), 2u);
  const auto& desoto = sites["features"][1];
  EXPECT_EQ(desoto["id"], "USGS-06892350");
  EXPECT_EQ(desoto["geometry"]["type"], "Point");
  EXPECT_DOUBLE_EQ(desoto["geometry"]["coordinates"][0].get<double>(), -94.96444444);  // lon
  EXPECT_DOUBLE_EQ(desoto["geometry"]["coordinates"][1].get<double>(), 38.98333333);   // lat
  EXPECT_EQ(desoto["properties"]["name"], "KANSAS R AT DESOTO, KS");
  EXPECT_EQ(desoto["properties"]["observations"], 6);
  EXPECT_EQ(desoto["properties"]["parameter_codes"], nlohmann::json({"00060", "00065"}));
  EXPECT_EQ(desoto["properties"]["first_time_utc"], "2026-11-01T06:30:00Z");

  const auto package = nlohmann::json::parse(ReadFile(dir + "/datapackage.json"));
  EXPECT_EQ(package["version"], written->version);
  EXPECT_EQ(package["resources"][0]["hash"], "sha256:" + written->csv_sha256);
  EXPECT_EQ(package["resources"][0]["bytes"], csv.size());
  EXPECT_EQ(package["resources"][1]["hash"],
            "sha256:" + Sha256Hex(ReadFile(dir + "/sites.geojson")));
  EXPECT_EQ(package["sources"][0]["path"], "nwis_iv_ks.json");

  int64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    bytes += static_cast<int64_t>(entry.file_size());
  EXPECT_EQ(written->bytes, bytes);
}

TEST(DatasetWriter, ReRunReplacesTheVersionWhole) {
  TempDir out;
  const ObservationSet set = FromFixture();
  ASSERT_TRUE(WriteDataset(out.path(), set.Observations(), set.Sites(), {}).ok());
  const std::string dir = out.path() + "/20261101T06Z-20261101T07Z";
  kfm::testing::WriteFile(dir + "/stale.txt", "from an earlier run");
  auto again = WriteDataset(out.path(), set.Observations(), set.Sites(), {});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir + "/stale.txt"));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(out.path()))
    ++entries;
  EXPECT_EQ(entries, 1u);  // no staging or old copies left behind
}

TEST(DatasetWriter, UnwritableOutputIsAnIoError) {
  TempDir out;
  kfm::testing::WriteFile(out.path() + "/file", "x");
  const ObservationSet set = FromFixture();
  auto written = WriteDataset(out.path() + "/file/sub", set.Observations(), set.Sites(), {});
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), Status::Code::kIoError);
  EXPECT_NE(written.status().message().find(out.path() + "/file/sub"), std::string::npos);
}

}  // namespace
}  // namespace kfm::jobs::usgs
