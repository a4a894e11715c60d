// Fault: a flapping collector. It answers 503, then 429 with Retry-After, then accepts: the
// run's span and metrics are retried within the export timeout and delivered exactly once,
// with nothing left in the spool. (Collector down for the whole run, slow, or answering 400:
// RunExportTest.CollectorDownSpoolsAndFlushDeliversOnce,
// OtlpTransportTest.SlowCollectorTimesOutAsRetryable,
// RunExportTest.RefusedRequestIsSpooledWithTheReasonAndNextRunRetriesIt.)
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otlp_receiver.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBinary = KFM_BINARY;

size_t SpansAccepted(const std::vector<nlohmann::json>& accepted) {
  size_t spans = 0;
  for (const auto& r : accepted) {
    if (r["signal"] != "traces") continue;
    for (const auto& rs : r["request"]["resourceSpans"]) {
      for (const auto& ss : rs["scopeSpans"]) spans += ss["spans"].size();
    }
  }
  return spans;
}

void RunAgainstFlappingCollector(const std::vector<std::string>& receiver_args,
                                 const std::string& run_id) {
  OtlpReceiver flapping(receiver_args);
  if (!flapping.ok()) GTEST_SKIP() << flapping.error();
  TempDir dir;
  const std::string home = dir.path() + "/home";
  auto env = IsolatedRunEnv(
      home, run_id,
      {"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:" + std::to_string(flapping.http_port()),
       "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "OTEL_EXPORTER_OTLP_TIMEOUT=8000"});
  auto result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/true"}, env);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("not delivered"), std::string::npos) << result.err;
  EXPECT_EQ(SpansAccepted(flapping.Accepted()), 1u) << "delivered exactly once";
  const std::string spool = home + "/telemetry/spool";
  size_t spooled = 0;
  if (fs::exists(spool)) {
    for (const auto& entry : fs::directory_iterator(spool)) {
      spooled += entry.path().extension() == ".pb" || entry.path().extension() == ".json";
    }
  }
  EXPECT_EQ(spooled, 0u);
}

TEST(FaultCollectorTest, UnavailableTwiceThenUpIsRetriedAndDeliveredOnce) {
  RunAgainstFlappingCollector({"--fail-first", "2", "--fail-status", "503"}, "flap-1");
}

TEST(FaultCollectorTest, ThrottledWithRetryAfterIsRetriedAndDeliveredOnce) {
  RunAgainstFlappingCollector({"--fail-first", "1", "--fail-status", "429", "--retry-after", "1"},
                              "flap-2");
}

}  // namespace
}  // namespace kfm::testing
