// `kfm-energy report --textfile/--push`: the rollup metrics of real runs, checked by Debian's
// own Prometheus tools. The textfile passes `promtool check metrics` and holds the figures the
// span files add up to; a push reaches a real Pushgateway, a real Prometheus scrapes it, and
// every query of the Grafana dashboard (dashboards/energy-standards-index.json) evaluates there
// to a non-empty result.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kSource = KFM_SOURCE_DIR;

using Server = BackgroundProcess;

std::string Get(const std::string& url) {
  return RunCommand({"/usr/bin/curl", "-s", "--max-time", "5", url}).out;
}

bool WaitFor(const std::function<bool()>& ready, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

double Number(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  if (any.contains("intValue")) return std::stod(any["intValue"].get<std::string>());
  return 0;
}

// Sum of energy.total_j over the node spans of `files`, and whether they were modelled.
std::pair<double, bool> NodeJoules(const std::vector<std::string>& files) {
  double joules = 0;
  bool modelled = false;
  for (const auto& file : files) {
    for (const auto& request : ReadJsonLines(file)) {
      for (const auto& rs : request["resourceSpans"]) {
        for (const auto& ss : rs["scopeSpans"]) {
          for (const auto& span : ss["spans"]) {
            if (span["name"].get<std::string>().rfind("etl.node.", 0) != 0) continue;
            for (const auto& kv : span["attributes"]) {
              if (kv["key"] == "energy.total_j") joules += Number(kv["value"]);
              if (kv["key"] == "energy.modelled") {
                modelled = modelled || kv["value"].value("boolValue", false);
              }
            }
          }
        }
      }
    }
  }
  return {joules, modelled};
}

// Three runs of one wrapped node, a second apart, recorded in `home`'s history.
std::vector<std::string> RecordRuns(const std::string& home) {
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    const std::string run_id = "prom-" + std::to_string(i);
    auto result = RunCommand(
        {kBinary, "run", "-q", "--node", "usgs_gauges", "--domain", "hydro", "--", "/bin/sh", "-c",
         "echo records_out " + std::to_string(100 + i) +
             " >> \"$KFM_NODE_REPORT\"; i=0; while [ $i -lt 20000 ]; do "
             "i=$((i+1)); done"},
        IsolatedRunEnv(home, run_id));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    files.push_back(home + "/telemetry/otel/spans-kfm-run-" + run_id + ".json");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  auto ingest =
      RunCommand({kBinary, "ingest", home + "/telemetry/otel"}, IsolatedRunEnv(home, "ingest"));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  return files;
}

// "name{labels}" -> value of a text exposition.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(ReportPrometheusTest, TextfilePassesPromtoolAndHoldsTheSpansFigures) {
  if (!std::filesystem::exists("/usr/bin/promtool")) {
    GTEST_SKIP() << "promtool (Debian prometheus) missing: run scripts/bootstrap";
  }
  TempDir dir;
  const std::string home = dir.path() + "/home";
  const auto files = RecordRuns(home);
  const std::string budget = dir.path() + "/budgets.yaml";
  WriteFile(budget, "budgets:\n  usgs_gauges:\n    gco2e_per_run: 0.25\n    j_per_record: 2\n");
  const std::string prom = dir.path() + "/kfm-energy.prom";
  auto result = RunCommand({kBinary, "report", "--textfile", prom, "--budget", budget},
                           IsolatedRunEnv(home, "report"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("report:"), std::string::npos) << "no HTML without --out";
  auto check = RunCommand({"/bin/sh", "-c", "promtool check metrics < '" + prom + "'"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  const auto samples = Samples(ReadFile(prom));
  const auto [joules, modelled] = NodeJoules(files);
  const std::string basis = modelled ? "modelled" : "measured";
  const std::string key =
      "kfm_node_energy_joules{kfm_pipeline=\"usgs_gauges\",kfm_node=\"usgs_gauges\","
      "energy_basis=\"" +
      basis + "\"}";
  ASSERT_TRUE(samples.contains(key)) << ReadFile(prom);
  EXPECT_NEAR(samples.at(key), joules, 1e-9 * std::max(1.0, joules));
  EXPECT_NEAR(samples.at("kfm_node_joules_per_record{kfm_pipeline=\"usgs_gauges\",kfm_node=\"usgs_"
                         "gauges\",energy_basis=\"" +
                         basis + "\"}"),
              joules / (100 + 101 + 102), 1e-9);
  EXPECT_EQ(samples.at("kfm_budget_co2e_grams_per_run{kfm_pipeline=\"usgs_gauges\"}"), 0.25);
  EXPECT_EQ(samples.at("kfm_budget_joules_per_record{kfm_pipeline=\"usgs_gauges\"}"), 2);
  EXPECT_EQ(
      samples.at("kfm_pipeline_runs{kfm_pipeline=\"usgs_gauges\",energy_basis=\"" + basis + "\"}"),
      3);
}

TEST(ReportPrometheusTest, PushedRollupsAnswerEveryDashboardQueryInPrometheus) {
  if (!std::filesystem::exists("/usr/bin/prometheus-pushgateway") ||
      !std::filesystem::exists("/usr/bin/prometheus") ||
      !std::filesystem::exists("/usr/bin/curl")) {
    GTEST_SKIP() << "prometheus, prometheus-pushgateway or curl missing: run scripts/bootstrap";
  }
  TempDir dir;
  const std::string home = dir.path() + "/home";
  const auto files = RecordRuns(home);
  const bool modelled = NodeJoules(files).second;
  const int gateway_port = FreeLoopbackPort();
  const std::string gateway = "http://127.0.0.1:" + std::to_string(gateway_port);
  Server pushgateway(
      {"prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(gateway_port)},
      dir.path() + "/pushgateway.log");
  ASSERT_TRUE(WaitFor([&] { return !Get(gateway + "/-/ready").empty(); }, 15))
      << ReadFile(dir.path() + "/pushgateway.log");

  const std::string budget = dir.path() + "/budgets.yaml";
  WriteFile(budget, "budgets:\n  usgs_gauges:\n    gco2e_per_run: 0.25\n");
  auto result = RunCommand({kBinary, "report", "--push", "--budget", budget},
                           IsolatedRunEnv(home, "report", {"KFM_PUSHGATEWAY_URL=" + gateway}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string exposed = Get(gateway + "/metrics");
  EXPECT_NE(exposed.find("kfm_run_co2e_grams{energy_basis="), std::string::npos) << exposed;
  EXPECT_NE(exposed.find("job=\"kfm-energy-rollup\",kfm_pipeline=\"usgs_gauges\""),
            std::string::npos);

  const int prom_port = FreeLoopbackPort();
  WriteFile(dir.path() + "/prometheus.yml",
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: pushgateway\n"
            "    honor_labels: true\n"
            "    static_configs: [{targets: ['127.0.0.1:" +
                std::to_string(gateway_port) + "']}]\n");
  Server prometheus({"prometheus", "--config.file=" + dir.path() + "/prometheus.yml",
                     "--storage.tsdb.path=" + dir.path() + "/tsdb",
                     "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                    dir.path() + "/prometheus.log");
  const std::string api = "http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/query?query=";
  auto query = [&](const std::string& expr) {
    return nlohmann::json::parse(Get(api + PercentEncode(expr)), nullptr, false);
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto answer = query("kfm_budget_co2e_grams_per_run");
        return !answer.is_discarded() && answer.value("status", "") == "success" &&
               !answer["data"]["result"].empty();
      },
      60))
      << ReadFile(dir.path() + "/prometheus.log").substr(0, 3000);

  // Every panel query of the dashboard, with its variables set as Grafana would.
  const auto dashboard =
      nlohmann::json::parse(ReadFile(kSource + "/dashboards/energy-standards-index.json"));
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"];
      for (const auto& [var, value] : std::vector<std::pair<std::string, std::string>>{
               {"$pipeline", "usgs_gauges"}, {"$basis", modelled ? "modelled" : "measured"}}) {
        for (std::size_t at = expr.find(var); at != std::string::npos; at = expr.find(var)) {
          expr.replace(at, var.size(), value);
        }
      }
      const auto answer = query(expr);
      ++queries;
      ASSERT_FALSE(answer.is_discarded()) << expr;
      EXPECT_EQ(answer.value("status", ""), "success") << expr << "\n" << answer.dump();
      EXPECT_FALSE(answer["data"]["result"].empty())
          << panel["title"] << ": " << expr << " selects nothing";
    }
  }
  EXPECT_GE(queries, 10);
}

TEST(ReportPrometheusTest, BadOptionsAreExit2AndARefusingGatewayIsExit1) {
  TempDir dir;
  const auto env = IsolatedRunEnv(dir.path(), "r", {"KFM_PUSHGATEWAY_URL="});
  auto result = RunCommand({kBinary, "report", "--push", "gateway:9091"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--push"), std::string::npos) << result.err;
  result = RunCommand({kBinary, "report", "--push"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("KFM_PUSHGATEWAY_URL"), std::string::npos) << result.err;
  result = RunCommand({kBinary, "report", "--window", "5x", "-o", dir.path() + "/a.html"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--window"), std::string::npos) << result.err;
  WriteFile(dir.path() + "/bad.yaml", "budgets:\n  nightly:\n    gco2e_per_run: lots\n");
  result = RunCommand(
      {kBinary, "report", "--budget", dir.path() + "/bad.yaml", "-o", dir.path() + "/a.html"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bad.yaml:3"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/a.html"));
  // A budget gives the push a group even with an empty history.
  WriteFile(dir.path() + "/good.yaml", "budgets:\n  nightly:\n    gco2e_per_run: 1\n");
  result = RunCommand({kBinary, "report", "--budget", dir.path() + "/good.yaml", "--push",
                       "http://127.0.0.1:" + std::to_string(FreeLoopbackPort())},
                      env);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("Pushgateway"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace kfm::testing
