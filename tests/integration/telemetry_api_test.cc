// The public in-process API (include/kfm/telemetry.h) with a real instrumented program:
// standalone it measures and writes its own node span; under `kfm-energy run` it only reports
// its counts, so the node is counted once; bad settings never stop the job.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kJob = KFM_TELEMETRY_JOB;

class TelemetryApiTest : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const std::string& run_id) const {
    return IsolatedRunEnv(home_.path(), run_id);
  }
  std::string Spans(const std::string& run_id) const {
    return home_.path() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  }
  TempDir home_;
};

TEST_F(TelemetryApiTest, StandaloneSpanIsMeasuredScoredAndWritten) {
  auto result = RunCommand({kJob, "0.3", "1234"}, Env("api-1"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("telemetry on"), std::string::npos);
  const auto lines = ReadJsonLines(Spans("api-1"));
  ASSERT_EQ(lines.size(), 1u);
  const auto& span = lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["name"], "etl.node.api_job");
  auto attrs = SpanAttributes(lines[0]);
  EXPECT_EQ(attrs["kfm.domain"]["stringValue"], "hydro");
  EXPECT_EQ(attrs["kfm.records_out"]["intValue"], "1234");
  EXPECT_EQ(attrs["kfm.bytes_out"]["intValue"], "12340");
  // The job burned 0.3 s of CPU inside the span: its CPU use shows in the span.
  const double cpu_s = attrs["util.cpu_pct"]["doubleValue"].get<double>() / 100.0 *
                       attrs["timing.duration_s"]["doubleValue"].get<double>();
  EXPECT_GT(cpu_s, 0.25);
  EXPECT_GT(attrs["energy.total_j"]["doubleValue"].get<double>(), 0);
  EXPECT_GT(attrs["carbon.gco2e"]["doubleValue"].get<double>(), 0);
  for (const auto& resource : lines[0]["resourceSpans"][0]["resource"]["attributes"]) {
    if (resource["key"] == "service.name") {
      EXPECT_EQ(resource["value"]["stringValue"], "kfm.etl.api_job");
    }
  }
  const auto energy =
      nlohmann::json::parse(ReadFile(home_.path() + "/telemetry/energy/kfm-run-api-1.json"));
  EXPECT_EQ(energy["nodes"][0]["command"][0], kJob);
  auto valid = RunCommand({kBinary, "validate", Spans("api-1"),
                           home_.path() + "/telemetry/energy/kfm-run-api-1.json",
                           home_.path() + "/telemetry/carbon/kfm-run-api-1.json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(TelemetryApiTest, FailedSpanIsAnErrorSpanButTheJobRunsOn) {
  auto result = RunCommand({kJob, "0.01", "5", "fail"}, Env("api-2"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = ReadJsonLines(Spans("api-2"));
  ASSERT_EQ(lines.size(), 1u);
  const auto& status = lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["status"];
  EXPECT_EQ(status["code"], 2);
  EXPECT_EQ(status["message"], "upstream file missing");
}

TEST_F(TelemetryApiTest, UnderRunTheWrapperMeasuresAndTheJobReportsItsCounts) {
  auto result =
      RunCommand({kBinary, "run", "--node", "wrapped", "--", kJob, "0.2", "77"}, Env("api-3"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = ReadJsonLines(Spans("api-3"));
  ASSERT_EQ(lines.size(), 1u) << "the node must be counted once, by the wrapper";
  auto attrs = SpanAttributes(lines[0]);
  EXPECT_EQ(attrs["kfm.node"]["stringValue"], "wrapped");
  EXPECT_EQ(attrs["kfm.records_out"]["intValue"], "77");
  EXPECT_EQ(attrs["kfm.bytes_out"]["intValue"], "770");
  const auto energy =
      nlohmann::json::parse(ReadFile(home_.path() + "/telemetry/energy/kfm-run-api-3.json"));
  ASSERT_EQ(energy["nodes"].size(), 1u);
  ASSERT_EQ(energy["nodes"][0]["sampler"]["notes"].size(), 0u)
      << energy["nodes"][0]["sampler"]["notes"];
}

TEST_F(TelemetryApiTest, MalformedSettingsTurnTelemetryOffNotTheJob) {
  const auto env = IsolatedRunEnv(home_.path(), "api-4", {"KFM_SAMPLE_INTERVAL_MS=fast"});
  auto result = RunCommand({kJob, "0.01", "5"}, env);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("telemetry off"), std::string::npos);
  EXPECT_NE(result.err.find("telemetry is off"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("KFM_SAMPLE_INTERVAL_MS"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace kfm::testing
