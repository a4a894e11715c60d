// Loading a run's lineage from its files: what comes from which document, and the errors
// (file, line for the span bundle, field) for documents that are not what they should be.
#include "lineage/run_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace kfm::lineage {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::WriteFile;

json Node(const std::string& name, const std::string& span, const std::string& start) {
  return {{"node", name},
          {"span_id", span},
          {"hostname", "h1"},
          {"domain", name == "a" ? "hydro" : "atmo"},
          {"pipeline_kind", "nightly"},
          {"start_time", start},
          {"end_time", start},
          {"duration_s", 1.5},
          {"status", "ok"},
          {"cpu", {{"method", "rapl"}, {"attributed_j", 2.0}}},
          {"gpu", {{"method", "none"}, {"attributed_j", 0.25}}},
          {"total_j", 2.25}};
}

class RunFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"energy", "carbon", "otel"})
      std::filesystem::create_directories(dir_.path() + "/telemetry/" + d);
  }
  void Energy(const json& doc) {
    WriteFile(dir_.path() + "/telemetry/energy/kfm-run-r1.json", doc.dump());
  }
  TempDir dir_;
};

TEST_F(RunFilesTest, NodesInStartOrderWithCarbonTablesAndAFallbackPipelineName) {
  json b = Node("b", "bbbbbbbbbbbbbbbb", "2026-11-25T04:00:02.000000Z");
  b["needs"] = {"a"};
  json a = Node("a", "aaaaaaaaaaaaaaaa", "2026-11-25T04:00:01.000000Z");
  a["datasets"] = {{{"name", "usgs"},
                    {"version", "v1"},
                    {"uri", "file:///x"},
                    {"sha256", std::string(64, 'c')}}};
  Energy({{"schema", "kfm.energy.v2"}, {"run_id", "r1"}, {"nodes", {b, a}}});
  WriteFile(
      dir_.path() + "/telemetry/carbon/kfm-run-r1.json",
      json{{"schema", "kfm.carbon.v2"},
           {"nodes",
            {{{"span_id", "aaaaaaaaaaaaaaaa"}, {"gco2e", 0.5}, {"hours", {{{"table", "t@1"}}}}}}},
           {"tables",
            {{"t@1",
              {{"id", "t"}, {"version", "1"}, {"sha256", std::string(64, 'd')}, {"source", "s"}}}}}}
          .dump());
  auto run = LoadRunLineage(dir_.path(), "r1");
  ASSERT_TRUE(run.ok()) << run.status().message();
  ASSERT_EQ(run->nodes.size(), 2u);
  EXPECT_EQ(run->nodes[0].node, "a");  // started first
  EXPECT_EQ(run->nodes[0].gco2e.value_or(-1), 0.5);
  EXPECT_EQ(run->nodes[0].tables, std::vector<std::string>{"t@1"});
  EXPECT_FALSE(run->nodes[1].gco2e.has_value());  // not in the carbon document
  EXPECT_EQ(run->nodes[1].needs, std::vector<std::string>{"a"});
  ASSERT_EQ(run->nodes[0].datasets.size(), 1u);
  EXPECT_EQ(run->nodes[0].datasets[0].node, "a");
  EXPECT_EQ(run->nodes[0].datasets[0].generated_at, "2026-11-25T04:00:01.000000Z");
  ASSERT_EQ(run->tables.size(), 1u);
  EXPECT_EQ(run->tables[0].sha256, std::string(64, 'd'));
  EXPECT_EQ(run->pipeline, "a");        // no span bundle: the first node names it
  EXPECT_EQ(run->domain, "telemetry");  // the nodes' domains differ
  EXPECT_EQ(run->energy_ref, "telemetry/energy/kfm-run-r1.json");
  EXPECT_TRUE(run->has_carbon);
}

TEST_F(RunFilesTest, AMissingRunIsNotFoundAndABadRunIdIsInvalid) {
  auto missing = LoadRunLineage(dir_.path(), "r1");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("kfm-run-r1.json not found"), std::string::npos);
  EXPECT_EQ(LoadRunLineage(dir_.path(), "../r1").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(RunFilesTest, ABadFieldIsNamedWithItsPath) {
  json a = Node("a", "aaaaaaaaaaaaaaaa", "2026-11-25T04:00:01.000000Z");
  a["cpu"]["attributed_j"] = "2";
  Energy({{"schema", "kfm.energy.v2"}, {"run_id", "r1"}, {"nodes", {a}}});
  auto run = LoadRunLineage(dir_.path(), "r1");
  EXPECT_EQ(run.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(run.status().message().find("kfm-run-r1.json: field 'nodes[0].cpu.attributed_j': "
                                        "expected a number"),
            std::string::npos)
      << run.status().message();
}

TEST_F(RunFilesTest, ACorruptRunSpanLineIsNamedByFileAndLine) {
  Energy({{"schema", "kfm.energy.v2"},
          {"run_id", "r1"},
          {"nodes", {Node("a", "aaaaaaaaaaaaaaaa", "2026-11-25T04:00:01.000000Z")}}});
  WriteFile(dir_.path() + "/telemetry/otel/spans-kfm-run-r1.json",
            "{\"resourceSpans\": []}\n{\"name\": \"etl.run\", oops\n");
  auto run = LoadRunLineage(dir_.path(), "r1");
  EXPECT_EQ(run.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(run.status().message().find("spans-kfm-run-r1.json:2: not valid JSON"),
            std::string::npos)
      << run.status().message();
}

}  // namespace
}  // namespace kfm::lineage
