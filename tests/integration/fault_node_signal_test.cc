// Fault: a pipeline node killed by SIGKILL. Its span is ERROR with the signal, the energy and
// CPU it used up to the kill are kept on the span and in the energy document, everything
// downstream is skipped (an event on the run span), the pipeline's result is 1 and every file
// validates. (The `run` wrapper:
// RunCommandTest.CommandKilledBySignalGives128PlusSignalAndErrorSpan; a timed-out node:
// PipelineRunTest.TimeoutSendsSigtermThenSigkillAfterTheGrace.)
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;

double Number(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  return static_cast<double>(std::stoll(any.at("intValue").get<std::string>()));
}

TEST(FaultNodeSignalTest, SigkilledNodeIsAnErrorSpanWithItsEnergyAndDownstreamIsSkipped) {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  const std::string file = dir.path() + "/p.yaml";
  // The node burns CPU for a while, then SIGKILLs itself.
  WriteFile(file,
            "pipeline: killed\n"
            "nodes:\n"
            "  burn:\n"
            "    shell: 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; kill -9 $$'\n"
            "  after: {needs: burn, run: [/bin/true]}\n");
  auto result = RunCommand({kBinary, "pipeline", "run", "-q", file}, IsolatedRunEnv(home, "sig-1"));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const std::string spans_file = home + "/telemetry/otel/spans-kfm-run-sig-1.json";
  std::map<std::string, nlohmann::json> spans;
  for (const auto& request : ReadJsonLines(spans_file)) {
    for (const auto& rs : request["resourceSpans"]) {
      for (const auto& ss : rs["scopeSpans"]) {
        for (const auto& s : ss["spans"]) spans[s["name"]] = s;
      }
    }
  }
  ASSERT_EQ(spans.count("etl.node.burn"), 1u);
  EXPECT_EQ(spans.count("etl.node.after"), 0u) << "downstream never started";
  const auto& burn = spans["etl.node.burn"];
  EXPECT_EQ(burn["status"]["code"], 2);
  EXPECT_NE(burn["status"].value("message", "").find("signal 9"), std::string::npos) << burn;
  std::map<std::string, nlohmann::json> attrs;
  for (const auto& a : burn["attributes"]) attrs[a["key"]] = a["value"];
  EXPECT_EQ(attrs.at("process.exit.signal")["intValue"], std::to_string(SIGKILL));
  EXPECT_GT(Number(attrs.at("timing.duration_s")), 0.05);
  EXPECT_GT(Number(attrs.at("util.cpu_pct")), 10.0) << "its CPU up to the kill is counted";
  EXPECT_GT(Number(attrs.at("energy.cpu_j")), 0.0) << "its energy up to the kill is kept";

  bool skipped_event = false;
  for (const auto& event : spans["etl.run"].value("events", nlohmann::json::array())) {
    skipped_event |=
        event["name"] == "kfm.node.skipped" && event.dump().find("after") != std::string::npos;
  }
  EXPECT_TRUE(skipped_event) << spans["etl.run"];

  const std::string energy_file = home + "/telemetry/energy/kfm-run-sig-1.json";
  const auto doc = nlohmann::json::parse(ReadFile(energy_file));
  ASSERT_EQ(doc["nodes"].size(), 1u);
  EXPECT_EQ(doc["nodes"][0]["signal"], SIGKILL);
  EXPECT_EQ(doc["nodes"][0]["status"], "error");
  EXPECT_GT(doc["nodes"][0]["total_j"].get<double>(), 0.0);
  auto valid = RunCommand({kBinary, "validate", spans_file, energy_file});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

}  // namespace
}  // namespace kfm::testing
