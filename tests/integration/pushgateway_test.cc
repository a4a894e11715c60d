// KFM_PUSHGATEWAY_URL: a node's metrics pushed to Debian's real Prometheus Pushgateway, then
// scraped by a real Prometheus, which proves the metric names and labels are valid.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;

using Server = BackgroundProcess;

std::string Get(const std::string& url) {
  return RunCommand({"/usr/bin/curl", "-s", "--max-time", "2", url}).out;
}

bool WaitFor(const std::function<bool()>& ready, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

TEST(PushgatewayTest, PushedMetricsAreValidForPrometheus) {
  if (!std::filesystem::exists("/usr/bin/prometheus-pushgateway") ||
      !std::filesystem::exists("/usr/bin/prometheus") ||
      !std::filesystem::exists("/usr/bin/curl")) {
    GTEST_SKIP() << "prometheus, prometheus-pushgateway or curl missing: run scripts/bootstrap";
  }
  TempDir dir;
  const int gateway_port = FreeLoopbackPort();
  const std::string gateway = "http://127.0.0.1:" + std::to_string(gateway_port);
  Server pushgateway(
      {"prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port)},
      dir.path() + "/pushgateway.log");
  ASSERT_TRUE(WaitFor([&] { return !Get(gateway + "/-/ready").empty(); }, 15))
      << ReadFile(dir.path() + "/pushgateway.log");

  auto result =
      RunCommand({kBinary, "run", "-q", "--node", "usgs_gauges", "--domain", "hydro", "--",
                  "/bin/sh", "-c", "echo records_out 12 >> \"$KFM_NODE_REPORT\""},
                 {"KFM_HOME=" + dir.path() + "/home", "KFM_RUN_ID=pg-run-1",
                  "KFM_SYSFS_ROOT=" + dir.path() + "/none",
                  "KFM_NVML_LIBRARY=" + dir.path() + "/none.so", "KFM_PUSHGATEWAY_URL=" + gateway});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const std::string exposed = Get(gateway + "/metrics");
  EXPECT_NE(exposed.find("hw_energy_joules_total{"), std::string::npos) << exposed;
  EXPECT_NE(exposed.find("kfm_records_out_total{"), std::string::npos);
  EXPECT_NE(exposed.find("kfm_node=\"usgs_gauges\""), std::string::npos);

  // A real Prometheus scrapes the gateway: names and labels it accepts are valid.
  const int prom_port = FreeLoopbackPort();
  WriteFile(dir.path() + "/prometheus.yml",
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: pushgateway\n"
            "    honor_labels: true\n"
            "    static_configs: [{targets: ['127.0.0.1:" +
                std::to_string(gateway_port) + "']}]\n");
  Server prometheus({"prometheus", "--config.file=" + dir.path() + "/prometheus.yml",
                     "--storage.tsdb.path=" + dir.path() + "/tsdb",
                     "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                    dir.path() + "/prometheus.log");
  const std::string query =
      "http://127.0.0.1:" + std::to_string(prom_port) +
      "/api/v1/query?query=hw_energy_joules_total%7Bkfm_node%3D%22usgs_gauges%22%7D";
  nlohmann::json answer;
  const bool scraped = WaitFor(
      [&] {
        answer = nlohmann::json::parse(Get(query), nullptr, false);
        return !answer.is_discarded() && answer.value("status", "") == "success" &&
               !answer["data"]["result"].empty();
      },
      40);
  ASSERT_TRUE(scraped) << answer.dump() << ReadFile(dir.path() + "/prometheus.log").substr(0, 2000);
  const auto& series = answer["data"]["result"][0]["metric"];
  EXPECT_EQ(series["kfm_run_id"], "pg-run-1");
  EXPECT_EQ(series["kfm_domain"], "hydro");
  EXPECT_TRUE(series.contains("hw_id"));
  EXPECT_TRUE(series.contains("energy_method"));
}

TEST(PushgatewayTest, BadUrlIsExit2AndAnUnreachableGatewayNeverFailsTheNode) {
  TempDir dir;
  const std::vector<std::string> base = {"KFM_HOME=" + dir.path(), "KFM_RUN_ID=pg-run-2",
                                         "KFM_SYSFS_ROOT=" + dir.path() + "/none"};
  auto env = base;
  env.push_back("KFM_PUSHGATEWAY_URL=gateway:9091");
  auto result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/true"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("KFM_PUSHGATEWAY_URL"), std::string::npos);
  env = base;
  env.push_back("KFM_PUSHGATEWAY_URL=http://127.0.0.1:" + std::to_string(FreeLoopbackPort()));
  result = RunCommand({kBinary, "run", "-q", "--node", "n", "--", "/bin/sh", "-c", "exit 3"}, env);
  EXPECT_EQ(result.exit_code, 3) << "the command's own status, whatever the gateway does";
  EXPECT_NE(result.err.find("Pushgateway"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace kfm::testing
