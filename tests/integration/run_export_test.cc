// `kfm-energy run` and `flush` against the reference OTLP receiver: the node span and the
// energy metrics arrive over every protocol; with the receiver down they are spooled and
// `flush` delivers them exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "otlp_receiver.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;

class RunExportTest : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const std::string& run_id, const std::string& endpoint,
                               const std::string& protocol) const {
    return {"KFM_HOME=" + home_.path(),
            "KFM_RUN_ID=" + run_id,
            "KFM_SYSFS_ROOT=" + home_.path() + "/no-sysfs",
            "KFM_NVML_LIBRARY=" + home_.path() + "/no-nvml.so",
            "TRACEPARENT=",
            "OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL=" + protocol,
            "OTEL_EXPORTER_OTLP_TIMEOUT=2000",
            "OTEL_EXPORTER_OTLP_HEADERS=x-api-key=s3cr3t-token"};
  }
  std::vector<std::filesystem::path> Spooled() const {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(home_.path() + "/telemetry/spool", ec)) {
      if (e.path().extension() == ".pb") files.push_back(e.path());
    }
    return files;
  }
  TempDir home_;
};

// The first span and the metric names of what the receiver accepted.
struct Seen {
  std::vector<nlohmann::json> spans;
  std::vector<std::string> metrics;
};

Seen Collect(const std::vector<nlohmann::json>& accepted) {
  Seen seen;
  for (const auto& r : accepted) {
    if (r["signal"] == "traces") {
      for (const auto& s : r["request"]["resourceSpans"][0]["scopeSpans"][0]["spans"])
        seen.spans.push_back(s);
    } else if (r["signal"] == "metrics") {
      for (const auto& m : r["request"]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]) {
        seen.metrics.push_back(m["name"]);
      }
    }
  }
  return seen;
}

TEST_F(RunExportTest, DeliversSpanAndMetricsOverEveryProtocol) {
  OtlpReceiver receiver;
  if (!receiver.ok()) GTEST_SKIP() << receiver.error();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http/protobuf", "http://127.0.0.1:" + std::to_string(receiver.http_port())},
      {"http/json", "http://127.0.0.1:" + std::to_string(receiver.http_port())},
      {"grpc", "http://127.0.0.1:" + std::to_string(receiver.grpc_port())}};
  for (const auto& [protocol, endpoint] : cases) {
    auto result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/sh", "-c",
                              "echo records_out 7 >> \"$KFM_NODE_REPORT\""},
                             Env("e1", endpoint, protocol));
    ASSERT_EQ(result.exit_code, 0) << protocol << ": " << result.err;
    EXPECT_EQ(result.err.find("s3cr3t-token"), std::string::npos) << "header values never printed";
  }
  const auto accepted = receiver.Accepted();
  Seen seen = Collect(accepted);
  ASSERT_EQ(seen.spans.size(), 3u);
  for (const auto& span : seen.spans) {
    EXPECT_EQ(span["name"], "etl.node.n");
    std::map<std::string, nlohmann::json> attrs;
    for (const auto& a : span["attributes"]) attrs[a["key"]] = a["value"];
    EXPECT_EQ(attrs["kfm.records_out"]["intValue"], "7");
    EXPECT_TRUE(attrs["energy.cpu_j"].contains("doubleValue"));
    EXPECT_TRUE(attrs["energy.cpu_method"].contains("stringValue"));
    EXPECT_TRUE(attrs["energy.modelled"].contains("boolValue"));
  }
  // One trace for the run: the trace id comes from the run id.
  EXPECT_EQ(seen.spans[0]["traceId"], seen.spans[2]["traceId"]);
  for (const auto* name : {"hw.energy", "hw.power", "kfm.carbon.gco2e", "kfm.records_out"}) {
    EXPECT_EQ(std::count(seen.metrics.begin(), seen.metrics.end(), name), 3) << name;
  }
  for (const auto& r : accepted) EXPECT_EQ(r["headers"]["x-api-key"], "s3cr3t-token");
}

TEST_F(RunExportTest, CollectorDownSpoolsAndFlushDeliversOnce) {
  int port = 0;
  {
    OtlpReceiver probe;  // find a free port, then close it: nothing listens there
    if (!probe.ok()) GTEST_SKIP() << probe.error();
    port = probe.http_port();
  }
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  auto result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/true"},
                           Env("e2", endpoint, "http/protobuf"));
  ASSERT_EQ(result.exit_code, 0) << "a collector that is down never fails the node: " << result.err;
  EXPECT_NE(result.err.find("kept in the spool"), std::string::npos) << result.err;
  EXPECT_EQ(Spooled().size(), 2u) << "the span and the metrics";
  // The bundle file was written regardless.
  EXPECT_TRUE(std::filesystem::exists(home_.path() + "/telemetry/otel/spans-kfm-run-e2.json"));

  // A flush while the collector is still down costs one export timeout (2 s here), not the
  // flush's own 60 s budget, and keeps both requests.
  const auto before = std::chrono::steady_clock::now();
  auto down = RunCommand({kBinary, "flush"}, Env("e2", endpoint, "http/protobuf"));
  const double down_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  EXPECT_EQ(down.exit_code, 1) << down.err;
  EXPECT_NE(down.out.find("remaining 2"), std::string::npos) << down.out;
  EXPECT_LT(down_s, 15.0) << "one export timeout, then the unreachable collector ends the flush";
  EXPECT_EQ(Spooled().size(), 2u);

  OtlpReceiver receiver({}, port);
  ASSERT_TRUE(receiver.ok()) << receiver.error();
  auto flushed = RunCommand({kBinary, "flush"}, Env("e2", endpoint, "http/protobuf"));
  EXPECT_EQ(flushed.exit_code, 0) << flushed.err;
  EXPECT_NE(flushed.out.find("delivered 2"), std::string::npos) << flushed.out;
  EXPECT_TRUE(Spooled().empty());
  auto again = RunCommand({kBinary, "flush"}, Env("e2", endpoint, "http/protobuf"));
  EXPECT_EQ(again.exit_code, 0);
  Seen seen = Collect(receiver.Accepted());
  EXPECT_EQ(seen.spans.size(), 1u) << "delivered exactly once";
}

TEST_F(RunExportTest, RefusedRequestIsSpooledWithTheReasonAndNextRunRetriesIt) {
  OtlpReceiver refusing({"--reject-status", "400"});
  if (!refusing.ok()) GTEST_SKIP() << refusing.error();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(refusing.http_port());
  auto result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/true"},
                           Env("e3", endpoint, "http/protobuf"));
  ASSERT_EQ(result.exit_code, 0);
  ASSERT_EQ(Spooled().size(), 2u);
  const std::string reason = ReadFile(Spooled()[0].string() + ".reason");
  EXPECT_NE(reason.find("HTTP 400"), std::string::npos) << reason;
  const int port = refusing.http_port();
  refusing.Stop();
  // A healthy collector on the same port: the next run sends the spool first, then its own.
  OtlpReceiver healthy({}, port);
  ASSERT_TRUE(healthy.ok()) << healthy.error();
  result = RunCommand({kBinary, "run", "-q", "--node", "m", "--", "/bin/true"},
                      Env("e3", endpoint, "http/protobuf"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Spooled().empty());
  EXPECT_EQ(Collect(healthy.Accepted()).spans.size(), 2u);
}

TEST_F(RunExportTest, BadOtelSettingIsExit2BeforeTheCommandRuns) {
  auto env = Env("e4", "collector:4318", "http/protobuf");
  auto result =
      RunCommand({kBinary, "run", "--node", "n", "--", "/bin/sh", "-c", "touch ran"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("OTEL_EXPORTER_OTLP_ENDPOINT"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace kfm::testing
