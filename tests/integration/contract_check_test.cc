// `kfm-energy check-contract`: the example pipeline's own span bundle meets the span contract,
// and bundles broken in one way each (energy.cpu_j missing or of the wrong type, a modelled
// figure without its model-* method, carbon.gco2e missing) fail naming file, line, node, span
// id and attribute. The example pipeline runs for real: the reference jobs on a generated
// HRRR GRIB2 file and the shipped USGS samples.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "example_pipeline.h"
#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kRunId = "contract-1";

using nlohmann::json;

class ContractCheckTest : public ::testing::Test {
 protected:
  // Runs the example pipeline once per test process (ctest runs each test in its own).
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto run =
        RunExamplePipeline({KFM_BINARY, KFM_HRRR_INGEST, KFM_USGS_GAUGES, KFM_MAKE_HRRR_GRIB},
                           {.dir = dir_->path(), .home = dir_->path() + "/home", .run_id = kRunId});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string SpansFile() {
    return dir_->path() + "/home/telemetry/otel/spans-kfm-run-" + kRunId + ".json";
  }

  // The example bundle with `edit` applied to the span named `span_name`; written to `name`.
  // Sets `line` to the 1-based line of that span and `span_id` to its id, found independently.
  static std::string Broken(const std::string& name, const std::string& span_name,
                            const std::function<void(json& attributes)>& edit, std::size_t& line,
                            std::string& span_id) {
    std::istringstream in(ReadFile(SpansFile()));
    std::string text, out;
    std::size_t number = 0;
    line = 0;
    while (std::getline(in, text)) {
      ++number;
      if (text.empty()) continue;
      json request = json::parse(text);
      for (auto& rs : request["resourceSpans"]) {
        for (auto& ss : rs["scopeSpans"]) {
          for (auto& span : ss["spans"]) {
            if (span["name"] != span_name) continue;
            edit(span["attributes"]);
            line = number;
            span_id = span["spanId"];
          }
        }
      }
      out += request.dump() + "\n";
    }
    std::string path = dir_->path() + "/" + name;
    WriteFile(path, out);
    return path;
  }

  static void Drop(json& attributes, const std::string& key) {
    json kept = json::array();
    for (const auto& kv : attributes)
      if (kv["key"] != key) kept.push_back(kv);
    ASSERT_LT(kept.size(), attributes.size()) << key << " was not there to drop";
    attributes = kept;
  }
  static void Set(json& attributes, const std::string& key, const json& value) {
    for (auto& kv : attributes) {
      if (kv["key"] == key) {
        kv["value"] = value;
        return;
      }
    }
    attributes.push_back({{"key", key}, {"value", value}});
  }
  static std::string Prefix(const std::string& file, std::size_t line, const std::string& node,
                            const std::string& span_id) {
    return file + ":" + std::to_string(line) + ": node " + node + " span " + span_id + ": ";
  }

  static TempDir* dir_;
};

TempDir* ContractCheckTest::dir_ = nullptr;

TEST_F(ContractCheckTest, ExamplePipelineOutputMeetsTheContract) {
  // Independently: how many node spans the bundle holds.
  std::size_t node_spans = 0;
  for (const auto& request : ReadJsonLines(SpansFile())) {
    for (const auto& rs : request["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& span : ss["spans"])
          node_spans += span["name"].get<std::string>().starts_with("etl.node.") ? 1 : 0;
  }
  ASSERT_EQ(node_spans, 3u);  // hrrr_ingest, usgs_gauges and energy_rollup
  auto result = RunCommand({kBinary, "check-contract", SpansFile()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "check-contract: ok: " + std::to_string(node_spans) +
                            " production node spans in 1 file meet the contract "
                            "(otel-energy-span-v1)\n");
  auto quiet = RunCommand({kBinary, "check-contract", "--quiet", SpansFile()});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out, "");
}

TEST_F(ContractCheckTest, MissingCpuEnergyFailsNamingSpanAndAttribute) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "no-cpu.json", "etl.node.hrrr_ingest", [](json& a) { Drop(a, "energy.cpu_j"); }, line, id);
  ASSERT_GT(line, 0u);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(Prefix(file, line, "hrrr_ingest", id) +
                            "energy.cpu_j: required property is missing"),
            std::string::npos)
      << result.out;
  EXPECT_EQ(result.out.find("usgs_gauges"), std::string::npos) << result.out;  // it is fine
  EXPECT_NE(result.out.find("FAILED: 1 of 3 production node spans break the contract"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, CpuEnergyOfTheWrongTypeFails) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "cpu-string.json", "etl.node.usgs_gauges",
      [](json& a) {
        Set(a, "energy.cpu_j", {{"stringValue", "0.25"}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(Prefix(file, line, "usgs_gauges", id) +
                            "energy.cpu_j: must be of type number, not string"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, ModelledFigureWithoutModelMethodFails) {
  std::size_t line = 0;
  std::string id;
  bool modelled = false;
  const std::string file = Broken(
      "modelled-as-rapl.json", "etl.node.hrrr_ingest",
      [&modelled](json& a) {
        // Claim a measured source for every modelled figure, keeping energy.modelled true.
        for (auto& kv : a) {
          const std::string key = kv["key"];
          if (key == "energy.modelled") modelled = kv["value"].value("boolValue", false);
          if (key.starts_with("energy.") && key.ends_with("_method") &&
              kv["value"].value("stringValue", "").starts_with("model-")) {
            kv["value"] = {{"stringValue", "rapl"}};
          }
        }
        Set(a, "energy.modelled", {{"boolValue", true}});
        Set(a, "energy.substituted_intervals", {{"intValue", "0"}});
      },
      line, id);
  // No counters in the test environment: the example run's own figures were modelled.
  EXPECT_TRUE(modelled);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(Prefix(file, line, "hrrr_ingest", id) +
                            "energy.cpu_method: the span says energy.modelled true"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, ModelMethodWithModelledFalseFails) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "model-not-modelled.json", "etl.node.hrrr_ingest",
      [](json& a) {
        Set(a, "energy.cpu_method", {{"stringValue", "model-ccf-default"}});
        Set(a, "energy.modelled", {{"boolValue", false}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(Prefix(file, line, "hrrr_ingest", id) + "energy.modelled: is false"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, CpuMethodNoneIsNeitherMeasuredNorModelled) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "cpu-none.json", "etl.node.usgs_gauges",
      [](json& a) {
        Set(a, "energy.cpu_method", {{"stringValue", "none"}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(
      result.out.find(Prefix(file, line, "usgs_gauges", id) + "energy.cpu_method: is \"none\""),
      std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, MissingCarbonFailsAndEveryProblemIsListed) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "no-carbon.json", "etl.node.usgs_gauges",
      [](json& a) {
        Drop(a, "carbon.gco2e");
        Set(a, "carbon.region", {{"intValue", "7"}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file, SpansFile()});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(Prefix(file, line, "usgs_gauges", id) +
                            "carbon.gco2e: required property is missing"),
            std::string::npos)
      << result.out;
  EXPECT_NE(
      result.out.find(Prefix(file, line, "usgs_gauges", id) + "carbon.region: must be of type"),
      std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("FAILED: 1 of 6 production node spans break the contract (2 "
                            "problems in 2 files)"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, NonProductionNodesAreNotBound) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "not-production.json", "etl.node.hrrr_ingest",
      [](json& a) {
        Drop(a, "energy.cpu_j");
        Set(a, "kfm.production", {{"boolValue", false}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("ok: 2 production node spans in 1 file meet the contract "
                            "(otel-energy-span-v1), 1 non-production skipped"),
            std::string::npos)
      << result.out;

  // kfm.production of another type is reported, and the span is checked as production.
  const std::string odd = Broken(
      "production-string.json", "etl.node.hrrr_ingest",
      [](json& a) {
        Set(a, "kfm.production", {{"stringValue", "no"}});
      },
      line, id);
  auto typed = RunCommand({kBinary, "check-contract", odd});
  EXPECT_EQ(typed.exit_code, 1) << typed.out << typed.err;
  EXPECT_NE(typed.out.find(Prefix(odd, line, "hrrr_ingest", id) +
                           "kfm.production: must be of type boolean"),
            std::string::npos)
      << typed.out;
}

TEST_F(ContractCheckTest, AttributesThatIdentifyAPersonAreRefused) {
  std::size_t line = 0;
  std::string id;
  const std::string file = Broken(
      "personal.json", "etl.node.usgs_gauges",
      [](json& a) {
        Set(a, "enduser.id", {{"stringValue", "alice"}});
        Set(a, "process.owner", {{"stringValue", "alice"}});
      },
      line, id);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  for (const char* key : {"enduser.id", "process.owner"}) {
    EXPECT_NE(result.out.find(Prefix(file, line, "usgs_gauges", id) + key +
                              ": identifies a person; energy telemetry is system-level only"),
              std::string::npos)
        << key << "\n"
        << result.out;
  }
}

TEST_F(ContractCheckTest, UnreadableInputIsExitTwoNamingFileAndLine) {
  const std::string spans = ReadFile(SpansFile());
  const std::string file = dir_->path() + "/truncated.json";
  const std::size_t first_newline = spans.find('\n');
  ASSERT_NE(first_newline, std::string::npos);
  WriteFile(file, spans.substr(0, first_newline + 1) + spans.substr(0, first_newline / 2) + "\n");
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find(file + ":2: not valid JSON"), std::string::npos) << result.err;

  const std::string other = dir_->path() + "/energy.json";
  WriteFile(other, "{\"schema\": \"kfm.energy.v2\"}\n");
  auto kind = RunCommand({kBinary, "check-contract", other});
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_NE(kind.err.find(other + ":1: not an OTLP ExportTraceServiceRequest"), std::string::npos)
      << kind.err;

  auto missing = RunCommand({kBinary, "check-contract", dir_->path() + "/nothing.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nothing.json: no such file"), std::string::npos) << missing.err;

  auto usage = RunCommand({kBinary, "check-contract"});
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(ContractCheckTest, APrettyPrintedRequestIsReadWhole) {
  // One request written with indentation (not JSON lines), as a person or jq might save it.
  std::size_t node_spans = 0;
  json chosen;
  for (const auto& request : ReadJsonLines(SpansFile())) {
    std::size_t here = 0;
    for (const auto& rs : request["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& span : ss["spans"])
          here += span["name"].get<std::string>().starts_with("etl.node.") ? 1 : 0;
    if (here > 0 && chosen.is_null()) {
      chosen = request;
      node_spans = here;
    }
  }
  ASSERT_GT(node_spans, 0u);
  const std::string file = dir_->path() + "/pretty.json";
  WriteFile(file, chosen.dump(2) + "\n");
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("ok: " + std::to_string(node_spans) + " production node span"),
            std::string::npos)
      << result.out;
}

TEST_F(ContractCheckTest, ABundleWithoutNodeSpansFails) {
  // Keep only the run span: nothing the contract could be checked on.
  std::string out;
  for (auto request : ReadJsonLines(SpansFile())) {
    for (auto& rs : request["resourceSpans"]) {
      for (auto& ss : rs["scopeSpans"]) {
        json kept = json::array();
        for (const auto& span : ss["spans"])
          if (!span["name"].get<std::string>().starts_with("etl.node.")) kept.push_back(span);
        ss["spans"] = kept;
      }
    }
    out += request.dump() + "\n";
  }
  const std::string file = dir_->path() + "/run-only.json";
  WriteFile(file, out);
  auto result = RunCommand({kBinary, "check-contract", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("no etl.node.* span in 1 file"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace kfm::testing
