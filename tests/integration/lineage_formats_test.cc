// `kfm-energy lineage` on a real pipeline run: the example nightly pipeline (the reference
// jobs on their sample inputs) plus a downstream node that reports a dataset with a hostile
// name, version and URI. Each format is checked with the standard tools of its field
// (tests/lineage/check_lineage.py: rdflib + SPARQL, rapper, STAC core rules, JSON Schema, a
// loopback Neo4j stand-in; tests/lineage/check_cypher.mjs: kuzu), against figures the
// checkers read from the run's documents themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "example_pipeline.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kSourceDir = KFM_SOURCE_DIR;
const std::string kNode = KFM_NODE;
const std::string kPython = "/usr/bin/python3";
const std::string kRunId = "lineage-1";

// A dataset line no file name, IRI, Turtle literal or Cypher string may take raw.
const std::string kHostileName = R"(na"me<>{}\;')"
                                 "x";
const std::string kHostileVersion = R"(v1;"DROP)";
const std::string kHostileUri = R"(file:///tmp/we'ird"<>{}|^`\.csv)";
const std::string kSha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

class LineageFormatsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string report = dir_->path() + "/report.sh";
    WriteFile(report, "printf '%s\\n' " +
                          ShellQuote("dataset " + kHostileName + " " + kHostileVersion + " " +
                                     kHostileUri + " " + kSha) +
                          " >> \"$KFM_NODE_REPORT\"\n");
    auto run = RunExamplePipeline(
        {KFM_BINARY, KFM_HRRR_INGEST, KFM_USGS_GAUGES, KFM_MAKE_HRRR_GRIB},
        {.dir = dir_->path(),
         .home = Home(),
         .run_id = kRunId,
         .extra_nodes = "  publish:\n    needs: [hrrr_ingest, usgs_gauges]\n    run: [/bin/sh, " +
                        report + "]\n",
         .flags = {"-q"},
         .timeout_s = 180});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string Home() { return dir_->path() + "/home"; }
  static std::string EnergyFile() {
    return Home() + "/telemetry/energy/kfm-run-" + kRunId + ".json";
  }
  static CommandResult Lineage(std::vector<std::string> args) {
    std::vector<std::string> argv = {kBinary, "lineage"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, IsolatedRunEnv(Home(), kRunId), 60);
  }
  static TempDir* dir_;
};
TempDir* LineageFormatsTest::dir_ = nullptr;

TEST_F(LineageFormatsTest, ReferenceJobsAndTheRunnerRecordDatasetsAndNeedsInTheEnergyDocument) {
  const auto doc = nlohmann::json::parse(ReadFile(EnergyFile()));
  std::set<std::string> with_datasets;
  for (const auto& node : doc["nodes"]) {
    for (const auto& d : node.value("datasets", nlohmann::json::array())) {
      with_datasets.insert(node["node"].get<std::string>());
      EXPECT_EQ(d["sha256"].get<std::string>().size(), 64u);
    }
    if (node["node"] == "publish") {
      EXPECT_EQ(node["needs"], nlohmann::json({"hrrr_ingest", "usgs_gauges"}));
      EXPECT_EQ(node["datasets"][0]["name"], kHostileName);
      EXPECT_EQ(node["datasets"][0]["uri"], kHostileUri);
    }
  }
  EXPECT_EQ(with_datasets, (std::set<std::string>{"hrrr_ingest", "usgs_gauges", "publish"}));
  // The energy document with its new fields still conforms to energy-v2.
  auto valid = RunCommand({kBinary, "validate", EnergyFile()});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(LineageFormatsTest, ProvStacDcatReleaseBundleAndPushPassTheFieldsOwnTools) {
  auto check =
      RunCommand({kPython, kSourceDir + "/tests/lineage/check_lineage.py", "--binary", kBinary,
                  "--home", Home(), "--run-id", kRunId, "--work", dir_->path() + "/check",
                  "--source", kSourceDir, "--edge", "publish=hrrr_ingest,usgs_gauges", "--edge",
                  "energy_rollup=hrrr_ingest,usgs_gauges"},
                 {}, 300);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("3 datasets, 0 failures"), std::string::npos) << check.out;
}

TEST_F(LineageFormatsTest, CypherUsesOnlyParametersAndRunningItTwiceInKuzuGivesTheSameGraph) {
  const std::string script = dir_->path() + "/lineage.cypher";
  auto cypher = Lineage({kRunId, "--format", "cypher", "--out", script});
  ASSERT_EQ(cypher.exit_code, 0) << cypher.err;
  const std::string text = ReadFile(script);
  // The hostile values appear only on :param lines, JSON-escaped.
  EXPECT_EQ(text.find(kHostileName), std::string::npos);
  EXPECT_NE(text.find(nlohmann::json(kHostileName).dump()), std::string::npos);
  const std::string modules = kSourceDir + "/tests/lineage/node_modules/kuzu";
  ASSERT_TRUE(std::filesystem::exists(modules))
      << modules << " missing: run scripts/bootstrap (npm ci in tests/lineage)";
  auto check = RunCommand(
      {kNode, kSourceDir + "/tests/lineage/check_cypher.mjs", script, EnergyFile()}, {}, 120);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("twice"), std::string::npos) << check.out;
}

TEST_F(LineageFormatsTest, StacItemsAreWrittenBesideTheReferenceJobsDatasets) {
  const auto doc = nlohmann::json::parse(ReadFile(EnergyFile()));
  int written = 0;
  for (const auto& node : doc["nodes"]) {
    if (node["node"] == "publish") continue;
    for (const auto& d : node.value("datasets", nlohmann::json::array())) {
      const std::string name = d["name"], version = d["version"];
      const std::string item =
          Home() + "/datasets/" + name + "/" + version + "/" + name + "-" + version + ".json";
      ASSERT_TRUE(std::filesystem::exists(item)) << item;
      const auto json = nlohmann::json::parse(ReadFile(item));
      EXPECT_EQ(json["properties"]["kfm:energy_ref"],
                "telemetry/energy/kfm-run-" + kRunId + ".json");
      ++written;
    }
  }
  EXPECT_GE(written, 2);
}

TEST_F(LineageFormatsTest, UnknownRunBadRunIdAndBadFormatAreExit2) {
  auto unknown = Lineage({"no-such-run"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("kfm-run-no-such-run.json not found"), std::string::npos)
      << unknown.err;
  auto bad_id = Lineage({"../etc"});
  EXPECT_EQ(bad_id.exit_code, 2);
  EXPECT_NE(bad_id.err.find("RUN_ID"), std::string::npos) << bad_id.err;
  auto bad_format = Lineage({kRunId, "--format", "rdfxml"});
  EXPECT_EQ(bad_format.exit_code, 2);
  auto no_release = Lineage({kRunId, "--format", "release-bundle"});
  EXPECT_EQ(no_release.exit_code, 2);
  EXPECT_NE(no_release.err.find("--release"), std::string::npos) << no_release.err;
}

TEST_F(LineageFormatsTest, AMalformedEnergyDocumentIsExit2NamingFileAndField) {
  TempDir other;
  const std::string dir = other.path() + "/telemetry/energy";
  std::filesystem::create_directories(dir);
  auto doc = nlohmann::json::parse(ReadFile(EnergyFile()));
  doc["nodes"][1]["datasets"] = nlohmann::json::array({{{"name", 7}}});
  WriteFile(dir + "/kfm-run-" + kRunId + ".json", doc.dump());
  auto bad = RunCommand({kBinary, "lineage", kRunId}, IsolatedRunEnv(other.path(), kRunId));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dir + "/kfm-run-" + kRunId + ".json: field 'nodes[1].datasets[0].name'"),
            std::string::npos)
      << bad.err;
}

TEST(LineageRunWrapperTest, RunWritesProvOAndTheStacItemWhenItEnds) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  auto run = RunCommand(
      {kBinary, "run", "-q", "--node", "solo", "--", "/bin/sh", "-c",
       "echo \"dataset solo v7 file:///data/solo.csv " + kSha + "\" >> \"$KFM_NODE_REPORT\""},
      IsolatedRunEnv(home, "wrap-1"), 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto prov = nlohmann::json::parse(ReadFile(home + "/telemetry/prov/kfm-run-wrap-1.jsonld"));
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& node : prov["@graph"]) by_id[node["@id"]] = node;
  int datasets = 0;
  for (const auto& [id, node] : by_id) {
    const auto types = node.value("@type", nlohmann::json::array());
    if (std::find(types.begin(), types.end(), "kfm:DatasetVersion") == types.end()) continue;
    ++datasets;
    EXPECT_EQ(node["kfm:dataset"][0]["@value"], "solo");
    const std::string activity = node["prov:wasGeneratedBy"][0]["@id"];
    ASSERT_TRUE(by_id.count(activity)) << activity;
    EXPECT_EQ(by_id[activity]["kfm:node"][0]["@value"], "solo");
  }
  EXPECT_EQ(datasets, 1);
  const auto item = nlohmann::json::parse(ReadFile(home + "/datasets/solo/v7/solo-v7.json"));
  EXPECT_EQ(item["properties"]["kfm:carbon_ref"], "telemetry/carbon/kfm-run-wrap-1.json");
  EXPECT_EQ(item["assets"]["data"]["href"], "file:///data/solo.csv");
}

TEST(LineageRunWrapperTest, ConcurrentWrappersOfOneRunLeaveEveryNodeInTheProvO) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  std::string script;
  for (int i = 0; i < 4; ++i)
    script += "'" + kBinary + "' run -q --node w" + std::to_string(i) + " -- /bin/true & ";
  auto run = RunCommand({"/bin/sh", "-c", script + "wait"}, IsolatedRunEnv(home, "conc-1"), 120);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto prov = nlohmann::json::parse(ReadFile(home + "/telemetry/prov/kfm-run-conc-1.jsonld"));
  std::set<std::string> nodes;
  for (const auto& node : prov["@graph"]) {
    if (node.contains("kfm:node")) nodes.insert(node["kfm:node"][0]["@value"].get<std::string>());
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"w0", "w1", "w2", "w3"})) << run.err;
}

TEST(LineageRunWrapperTest, APasswordInADatasetUriStaysOutOfEveryFile) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  auto run = RunCommand({kBinary, "run", "-q", "--node", "up", "--", "/bin/sh", "-c",
                         "echo \"dataset up v1 https://u:pw-secret-9@store.example/up.csv " + kSha +
                             "\" >> \"$KFM_NODE_REPORT\""},
                        IsolatedRunEnv(home, "pw-1"), 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(home)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(ReadFile(entry.path().string()).find("pw-secret-9"), std::string::npos)
        << entry.path();
  }
  EXPECT_GE(files, 4);
  const auto item = nlohmann::json::parse(ReadFile(home + "/datasets/up/v1/up-v1.json"));
  EXPECT_EQ(item["assets"]["data"]["href"], "https://u:<redacted>@store.example/up.csv");
}

TEST(LineageReleaseBundleTest, RunsAddedConcurrentlyAllLandInTheBundle) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  for (int i = 0; i < 4; ++i) {
    const std::string id = "rel-" + std::to_string(i);
    auto run = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/true"},
                          IsolatedRunEnv(home, id), 60);
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  std::string script;
  for (int i = 0; i < 4; ++i) {
    script += "'" + kBinary + "' lineage rel-" + std::to_string(i) +
              " --format release-bundle --release v9.9.9 >/dev/null & ";
  }
  auto add = RunCommand({"/bin/sh", "-c", script + "wait"}, IsolatedRunEnv(home, "unused"), 60);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  const auto bundle =
      nlohmann::json::parse(ReadFile(home + "/releases/v9.9.9/otel-energy-etl-telemetry.json"));
  std::set<std::string> runs;
  for (const auto& r : bundle["runs"]) runs.insert(r["run_id"].get<std::string>());
  EXPECT_EQ(runs, (std::set<std::string>{"rel-0", "rel-1", "rel-2", "rel-3"})) << add.err;
  EXPECT_EQ(bundle["totals"]["runs"], 4);
}

TEST(LineageTelemetryApiTest, AStandaloneInstrumentedJobGetsItsProvOToo) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  auto job = RunCommand({KFM_TELEMETRY_JOB, "0.05", "7"}, IsolatedRunEnv(home, "api-1"), 60);
  ASSERT_EQ(job.exit_code, 0) << job.err;
  const auto prov = nlohmann::json::parse(ReadFile(home + "/telemetry/prov/kfm-run-api-1.jsonld"));
  bool dataset = false, activity = false;
  for (const auto& node : prov["@graph"]) {
    const auto types = node.value("@type", nlohmann::json::array());
    auto has = [&types](const char* t) {
      return std::find(types.begin(), types.end(), t) != types.end();
    };
    if (has("kfm:DatasetVersion"))
      dataset = node["kfm:uri"][0]["@value"] == "file:///tmp/data set/gauges.csv";
    if (has("kfm:NodeExecution"))
      activity =
          node["kfm:node"][0]["@value"] == "api_job" && node["kfm:records_out"][0]["@value"] == "7";
  }
  EXPECT_TRUE(dataset) << prov.dump(2);
  EXPECT_TRUE(activity) << prov.dump(2);
}

}  // namespace
}  // namespace kfm::testing
