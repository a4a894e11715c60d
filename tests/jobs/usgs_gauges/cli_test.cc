// kfm-usgs-gauges as a user runs it: a child process over the fixture files, a directory, and
// a loopback HTTP server that pages and checks the API key header.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "file_server.h"
#include "http_fetch.h"
#include "subprocess.h"

namespace kfm::jobs::usgs {
namespace {

namespace fs = std::filesystem;
using kfm::testing::CommandResult;
using kfm::testing::FileServer;
using kfm::testing::ReadFile;
using kfm::testing::RunCommand;
using kfm::testing::TempDir;
using kfm::testing::WriteFile;

const std::string kFixtures = KFM_USGS_FIXTURES;
const std::string kVersion = "20261101T06Z-20261101T07Z";
constexpr const char* kKey = "usgs-test-key-7f3a9c";

// Telemetry of unwrapped runs goes to a temporary KFM_HOME, with no OTLP export.
const TempDir& KfmHome() {
  static const TempDir home;
  return home;
}

CommandResult Job(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), KFM_USGS_BINARY);
  for (const std::string& fallback :
       {"KFM_HOME=" + KfmHome().path(), std::string("KFM_RUN_ID=usgs-cli-test"),
        std::string("OTEL_TRACES_EXPORTER=none"), std::string("OTEL_METRICS_EXPORTER=none")}) {
    const std::string key = fallback.substr(0, fallback.find('=') + 1);
    bool given = false;
    for (const std::string& entry : env) given |= entry.rfind(key, 0) == 0;
    if (!given) env.push_back(fallback);
  }
  return RunCommand(args, env, 60);
}

// The KFM_NODE_REPORT lines as key -> rest of line.
std::map<std::string, std::string> Report(const std::string& path) {
  std::map<std::string, std::string> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

size_t CsvRows(const std::string& csv) {
  size_t lines = 0;
  for (const char c : csv) lines += c == '\n';
  return lines - 1;  // the header
}

// Every file under `dir`, concatenated.
std::string AllFiles(const std::string& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) all += ReadFile(entry.path().string());
  }
  return all;
}

TEST(UsgsGaugesCli, HelpTeaches) {
  const auto result = Job({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* text : {"--input", "--format", "waterml", "ogc", "--out", "--api-key-env",
                           "X-Api-Key", "nwis/iv/?format=json", "collections/continuous",
                           "observations.csv", "sites.geojson", "Exit codes"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text;
  }
}

TEST(UsgsGaugesCli, FilesOfBothFormatsBecomeOneDataset) {
  TempDir work;
  const std::string report = work.path() + "/report";
  const auto result =
      Job({"--input", kFixtures + "/nwis_iv_ks.json", "--input",
           kFixtures + "/ogc_continuous_page1.json", "--input",
           kFixtures + "/ogc_continuous_page2.json", "--out", work.path() + "/usgs"},
          {"KFM_NODE_REPORT=" + report});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string dir = work.path() + "/usgs/" + kVersion;
  const std::string csv = ReadFile(dir + "/observations.csv");
  // 9 NWIS + 3 + 2 OGC readings; DeSoto discharge at 07:15 UTC is in both services: one row.
  EXPECT_EQ(CsvRows(csv), 13u);
  EXPECT_NE(result.out.find("13 observations at 3 sites"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("2 no-data readings dropped, 1 duplicates merged"), std::string::npos)
      << result.out;
  // The file's next link is named, not followed.
  EXPECT_NE(result.err.find("ogc_continuous_page1.json: links to a next page"), std::string::npos)
      << result.err;

  const auto lines = Report(report);
  EXPECT_EQ(lines.at("records_out"), "13");
  int64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir)) bytes += entry.file_size();
  EXPECT_EQ(lines.at("bytes_out"), std::to_string(bytes));
  const std::string sha = Sha256Hex(csv);
  EXPECT_EQ(lines.at("dataset"), "usgs " + kVersion + " file://" + fs::canonical(dir).string() +
                                     "/observations.csv " + sha);
  EXPECT_NE(result.out.find("sha256 " + sha), std::string::npos);

  // The OGC sites have no names but a Point; both services' DeSoto is one site.
  const auto sites = nlohmann::json::parse(ReadFile(dir + "/sites.geojson"));
  ASSERT_EQ(sites["features"].size(), 3u);
  EXPECT_EQ(sites["features"][0]["id"], "USGS-06887500");
  EXPECT_EQ(sites["features"][0]["geometry"]["coordinates"][0], -96.30555556);
  EXPECT_EQ(sites["features"][2]["properties"]["name"], "KANSAS R AT DESOTO, KS");
}

// The OTLP JSON attribute `key` of the node span, as text ("13", "hydro").
std::string SpanAttribute(const nlohmann::json& spans_file, const std::string& key) {
  for (const auto& resource : spans_file.value("resourceSpans", nlohmann::json::array())) {
    for (const auto& scope : resource.value("scopeSpans", nlohmann::json::array())) {
      for (const auto& span : scope.value("spans", nlohmann::json::array())) {
        if (span.value("name", "") != "etl.node.usgs_gauges") continue;
        for (const auto& attribute : span.value("attributes", nlohmann::json::array())) {
          if (attribute.value("key", "") != key) continue;
          const auto& value = attribute["value"];
          if (value.contains("intValue")) {
            return value["intValue"].is_string() ? value["intValue"].get<std::string>()
                                                 : value["intValue"].dump();
          }
          if (value.contains("stringValue")) return value["stringValue"].get<std::string>();
          return value.dump();
        }
      }
    }
  }
  return "";
}

TEST(UsgsGaugesCli, UnwrappedRunExportsItsNodeSpanWithRecordsOut) {
  TempDir home;
  TempDir work;
  const auto result = Job({"--input", kFixtures, "--out", work.path()},
                          {"KFM_HOME=" + home.path(), "KFM_RUN_ID=usgs-span-test"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string spans = home.path() + "/telemetry/otel/spans-kfm-run-usgs-span-test.json";
  ASSERT_TRUE(fs::exists(spans)) << result.err;
  const auto doc = nlohmann::json::parse(ReadFile(spans));
  EXPECT_EQ(SpanAttribute(doc, "kfm.records_out"), "13");
  EXPECT_EQ(SpanAttribute(doc, "kfm.domain"), "hydro");
  EXPECT_EQ(SpanAttribute(doc, "kfm.pipeline_kind"), "nightly");
}

TEST(UsgsGaugesCli, DirectoryInputAsThePipelinePassesIt) {
  TempDir work;
  const auto result = Job({"--input", kFixtures, "--out", work.path()},
                          {"KFM_NODE_REPORT=" + work.path() + "/report"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Report(work.path() + "/report").at("records_out"), "13");
  EXPECT_TRUE(fs::exists(work.path() + "/" + kVersion + "/datapackage.json"));
}

TEST(UsgsGaugesCli, MalformedInputsExitTwoNamingFilePositionAndField) {
  TempDir work;
  std::string iv = ReadFile(kFixtures + "/nwis_iv_ks.json");
  const std::string bad_time = work.path() + "/bad_time.json";
  WriteFile(bad_time, std::string(iv).replace(iv.find("2026-11-01T01:00:00.000-06:00"), 29,
                                              "2026-11-01 1:00"));
  auto result = Job({"--input", bad_time, "--out", work.path() + "/out"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(bad_time + ":"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("field 'value.timeSeries[0].values[0].value[2].dateTime': bad time "
                            "'2026-11-01 1:00'"),
            std::string::npos)
      << result.err;

  const std::string truncated = work.path() + "/truncated.json";
  WriteFile(truncated, iv.substr(0, iv.size() / 2));
  result = Job({"--input", truncated, "--out", work.path() + "/out"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(truncated + ":"), std::string::npos);
  EXPECT_NE(result.err.find("malformed JSON"), std::string::npos) << result.err;

  const std::string missing_unit = work.path() + "/missing_unit.json";
  std::string page = ReadFile(kFixtures + "/ogc_continuous_page2.json");
  WriteFile(missing_unit, page.replace(page.find("\"unit_of_measure\""), 17, "\"unit\""));
  result = Job({"--input", missing_unit, "--out", work.path() + "/out"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("field 'features[0].properties.unit_of_measure': missing"),
            std::string::npos)
      << result.err;

  const std::string csv = work.path() + "/other.json";
  WriteFile(csv, R"({"rows": []})");
  result = Job({"--input", csv, "--out", work.path() + "/out"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("neither WaterML-JSON"), std::string::npos) << result.err;
  result = Job({"--input", csv, "--format", "ogc", "--out", work.path() + "/out"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("field 'features': missing"), std::string::npos) << result.err;

  EXPECT_FALSE(fs::exists(work.path() + "/out"));  // nothing half-written
}

TEST(UsgsGaugesCli, UsageErrorsExitTwo) {
  TempDir work;
  EXPECT_EQ(Job({"--out", work.path()}).exit_code, 2);  // no --input
  EXPECT_EQ(Job({"--input", kFixtures}).exit_code, 2);  // no --out
  EXPECT_EQ(Job({"--input", kFixtures, "--out", work.path(), "--format", "csv"}).exit_code, 2);
  auto result = Job({"--input", work.path() + "/nope.json", "--out", work.path()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("nope.json: no such file or directory"), std::string::npos);
  result = Job({"--input", kFixtures, "--out", work.path(), "--api-key-env", "KFM_USGS_UNSET"},
               {"KFM_USGS_UNSET="});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("KFM_USGS_UNSET: the variable is not set"), std::string::npos);
}

TEST(UsgsGaugesCli, NothingToWriteAndUnwritableOutputExitOne) {
  TempDir work;
  const std::string only_gaps = work.path() + "/gaps.json";
  WriteFile(only_gaps, R"({"value": {"timeSeries": [{
    "sourceInfo": {"siteCode": [{"value": "06892350", "agencyCode": "USGS"}]},
    "variable": {"variableCode": [{"value": "00065"}], "unit": {"unitCode": "ft"},
                 "noDataValue": -999999.0},
    "values": [{"value": [{"value": "-999999", "qualifiers": ["P", "Ice"],
                           "dateTime": "2026-11-01T01:00:00.000-06:00"}]}]}]}})");
  auto result = Job({"--input", only_gaps, "--out", work.path() + "/out"},
                    {"KFM_NODE_REPORT=" + work.path() + "/report"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no observations in 1 input(s) (1 no-data readings dropped)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(Report(work.path() + "/report").at("records_out"), "0");

  WriteFile(work.path() + "/a-file", "x");
  result = Job({"--input", kFixtures + "/nwis_iv_ks.json", "--out", work.path() + "/a-file/usgs"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("a-file/usgs: cannot create"), std::string::npos) << result.err;
}

TEST(UsgsGaugesCli, PagesOverHttpWithTheApiKeyHeaderThatNeverLeaks) {
  FileServer server(kFixtures, {"--require-header", std::string("X-Api-Key=") + kKey});
  ASSERT_TRUE(server.ok()) << server.error();
  TempDir work;
  const std::string report = work.path() + "/report";
  const auto result = Job({"--input", server.base_url() + "/ogc_continuous_page1.json?f=json",
                           "--api-key-env", "KFM_USGS_TEST_KEY", "--out", work.path() + "/usgs"},
                          {std::string("KFM_USGS_TEST_KEY=") + kKey, "KFM_NODE_REPORT=" + report});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Report(report).at("records_out"), "5");  // 3 on page 1, 2 on page 2
  EXPECT_NE(result.out.find("from 2 document(s)"), std::string::npos) << result.out;

  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["path"], "/ogc_continuous_page1.json");
  EXPECT_EQ(requests[1]["path"], "/ogc_continuous_page2.json");
  EXPECT_EQ(requests[1]["query"], "f=json&limit=4&offset=4");  // the next link, resolved
  for (const auto& request : requests) {
    EXPECT_EQ(request["status"], 200);
    const auto& names = request["headers"];
    EXPECT_NE(std::find(names.begin(), names.end(), "x-api-key"), names.end());
  }

  // The key is in no output, file or log.
  EXPECT_EQ(result.out.find(kKey), std::string::npos);
  EXPECT_EQ(result.err.find(kKey), std::string::npos);
  EXPECT_EQ(AllFiles(work.path()).find(kKey), std::string::npos);
  EXPECT_EQ(ReadFile(server.log_path()).find(kKey), std::string::npos);
}

// libcurl would send a custom header (the API key) to whatever host a redirect names; the
// fetcher follows redirects itself and sends it to the first origin only.
TEST(UsgsGaugesCli, RedirectsKeepTheApiKeyOnItsOriginOnly) {
  FileServer elsewhere(kFixtures);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.error();
  FileServer api(kFixtures, {"--require-header", std::string("X-Api-Key=") + kKey, "--redirect",
                             "/moved.json=" + elsewhere.Url("/ogc_continuous_page2.json"),
                             "--redirect", "/renamed.json=/ogc_continuous_page2.json"});
  ASSERT_TRUE(api.ok()) << api.error();
  TempDir work;
  const std::vector<std::string> key = {std::string("KFM_USGS_TEST_KEY=") + kKey};
  auto result = Job({"--input", api.Url("/moved.json"), "--api-key-env", "KFM_USGS_TEST_KEY",
                     "--out", work.path() + "/a"},
                    key);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto away = elsewhere.Requests();
  ASSERT_EQ(away.size(), 1u);
  const auto& names = away[0]["headers"];
  EXPECT_EQ(std::find(names.begin(), names.end(), "x-api-key"), names.end())
      << "the key followed a redirect to another origin";
  // On the same origin the key stays (the server refuses requests without it).
  result = Job({"--input", api.Url("/renamed.json"), "--api-key-env", "KFM_USGS_TEST_KEY", "--out",
                work.path() + "/b"},
               key);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto home = api.Requests();
  ASSERT_EQ(home.size(), 3u);
  EXPECT_EQ(home[2]["path"], "/ogc_continuous_page2.json");
  EXPECT_EQ(home[2]["status"], 200);
}

TEST(UsgsGaugesCli, HttpRefusalsNameTheUrlAndHideCredentials) {
  FileServer server(kFixtures, {"--require-header", std::string("X-Api-Key=") + kKey, "--status",
                                "/down.json=503"});
  ASSERT_TRUE(server.ok()) << server.error();
  TempDir work;
  // Without the key: 401, bad usage.
  auto result =
      Job({"--input", server.base_url() + "/ogc_continuous_page2.json", "--out", work.path()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(server.base_url() + "/ogc_continuous_page2.json: HTTP 401"),
            std::string::npos)
      << result.err;
  // A key given in the URL is masked wherever the URL is shown.
  result = Job({"--input", server.base_url() + "/missing.json?f=json&api_key=" + kKey,
                "--api-key-env", "KFM_USGS_TEST_KEY", "--out", work.path()},
               {std::string("KFM_USGS_TEST_KEY=") + kKey});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/missing.json?f=json&api_key=***: HTTP 404"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find(kKey), std::string::npos);
  // A service that stays down: the work failed.
  result = Job({"--input", server.base_url() + "/down.json", "--api-key-env", "KFM_USGS_TEST_KEY",
                "--out", work.path()},
               {std::string("KFM_USGS_TEST_KEY=") + kKey});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("/down.json: HTTP 503"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace kfm::jobs::usgs
