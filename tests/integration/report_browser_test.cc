// `kfm-energy report` end to end: real pipeline runs into a temporary KFM_HOME, the report
// written from their history, then loaded in Debian's headless Chromium through playwright-core
// (tests/browser/check-report.mjs): no console or page errors, no network request, no script
// run from data (a node named <script>alert(1)</script> is ingested too), and each chart's SVG
// drawn with a non-zero size and the number of marks the span files call for, with scripts on
// and off. Leaves a screenshot, report_browser_test.png, in the working directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kSource = KFM_SOURCE_DIR;
const std::string kHostile = "<script>alert(1)</script>";

double Number(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  if (any.contains("intValue")) return std::stod(any["intValue"].get<std::string>());
  return 0;
}

// What the report should draw for one run, read from its span file.
struct RunExpectation {
  int positive_nodes = 0;  // node spans with energy.total_j > 0: one bar segment each
  double gco2e = 0;
  double records = 0;
  bool measured = false;
  bool modelled = false;
};

RunExpectation FromSpans(const std::string& file) {
  RunExpectation out;
  for (const auto& request : ReadJsonLines(file)) {
    for (const auto& rs : request["resourceSpans"]) {
      for (const auto& ss : rs["scopeSpans"]) {
        for (const auto& span : ss["spans"]) {
          if (span["name"].get<std::string>().rfind("etl.node.", 0) != 0) continue;
          std::map<std::string, nlohmann::json> attrs;
          for (const auto& kv : span["attributes"]) attrs[kv["key"]] = kv["value"];
          const double joules =
              attrs.contains("energy.total_j") ? Number(attrs["energy.total_j"]) : 0;
          out.positive_nodes += joules > 0 ? 1 : 0;
          out.gco2e += attrs.contains("carbon.gco2e") ? Number(attrs["carbon.gco2e"]) : 0;
          out.records += attrs.contains("kfm.records_out") ? Number(attrs["kfm.records_out"]) : 0;
          const bool modelled = attrs.contains("energy.modelled") &&
                                attrs["energy.modelled"].value("boolValue", false);
          if (joules > 0) (modelled ? out.modelled : out.measured) = true;
        }
      }
    }
  }
  return out;
}

// A copy of a real run's span file as another run whose node `load` is named kHostile.
void WriteHostileCopy(const std::string& from, const std::string& to, const std::string& run_id,
                      const std::string& new_run_id) {
  std::string text = ReadFile(from);
  auto replace_all = [&text](const std::string& a, const std::string& b) {
    for (std::size_t at = text.find(a); at != std::string::npos; at = text.find(a, at + b.size())) {
      text.replace(at, a.size(), b);
    }
  };
  replace_all("\"stringValue\":\"" + run_id + "\"", "\"stringValue\":\"" + new_run_id + "\"");
  replace_all("\"stringValue\":\"load\"", "\"stringValue\":\"" + kHostile + "\"");
  replace_all("\"name\":\"etl.node.load\"", "\"name\":\"etl.node." + kHostile + "\"");
  // New span identities (trace and span ids are the dedupe key): hex digits shifted by one.
  for (const char* key : {"\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\""}) {
    const std::string k = key;
    for (std::size_t at = text.find(k); at != std::string::npos; at = text.find(k, at + 1)) {
      for (std::size_t i = at + k.size(); i < text.size() && text[i] != '"'; ++i) {
        text[i] = text[i] == 'f' ? '0' : (text[i] == '9' ? 'a' : static_cast<char>(text[i] + 1));
      }
    }
  }
  WriteFile(to, text);
}

TEST(ReportBrowserTest, EveryChartRendersInHeadlessChromiumWithoutErrorsOrNetwork) {
  const std::string playwright = kSource + "/tests/browser/node_modules/playwright-core";
  if (!std::filesystem::exists("/usr/bin/chromium") || !std::filesystem::exists(playwright) ||
      !std::filesystem::exists("/usr/bin/node")) {
    GTEST_SKIP() << "chromium, node or tests/browser/node_modules missing: run scripts/bootstrap";
  }
  TempDir dir;
  const std::string home = dir.path() + "/home";
  const std::string pipeline = dir.path() + "/pipeline.yaml";
  WriteFile(pipeline,
            "pipeline: browser\n"
            "nodes:\n"
            "  extract: {run: [/bin/sh, -c, 'echo records_out 500 >> \"$KFM_NODE_REPORT\"; i=0; "
            "while [ $i -lt 20000 ]; do i=$((i+1)); done']}\n"
            "  transform: {needs: [extract], run: [/bin/sh, -c, 'i=0; while [ $i -lt 8000 ]; do "
            "i=$((i+1)); done']}\n"
            "  load: {needs: [transform], run: [/bin/sh, -c, 'echo records_out 250 >> "
            "\"$KFM_NODE_REPORT\"']}\n");
  std::vector<std::string> run_ids;
  for (int i = 0; i < 4; ++i) {
    run_ids.push_back("browser-" + std::to_string(i));
    const auto result = RunCommand({kBinary, "pipeline", "run", pipeline},
                                   IsolatedRunEnv(home, run_ids.back()), 120);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const std::string spans_dir = home + "/telemetry/otel";
  const std::string hostile_file = dir.path() + "/hostile-spans.json";
  WriteHostileCopy(spans_dir + "/spans-kfm-run-browser-0.json", hostile_file, "browser-0",
                   "browser-hostile");
  // Runs are ingested when they end; ingesting again changes nothing, and brings in the copy.
  auto ingest =
      RunCommand({kBinary, "ingest", spans_dir, hostile_file}, IsolatedRunEnv(home, "ingest"));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  int segments = 0;
  int carbon_bars = 0;
  int record_points = 0;
  bool measured = false;
  bool modelled = false;
  std::vector<std::string> files;
  for (const auto& id : run_ids) files.push_back(spans_dir + "/spans-kfm-run-" + id + ".json");
  files.push_back(hostile_file);
  for (const auto& file : files) {
    const RunExpectation e = FromSpans(file);
    segments += e.positive_nodes;
    carbon_bars += e.gco2e > 0 ? 1 : 0;
    record_points += e.records > 0 ? 1 : 0;
    measured = measured || e.measured;
    modelled = modelled || e.modelled;
  }
  ASSERT_GT(segments, 0);

  const std::string budget = dir.path() + "/budgets.yaml";
  WriteFile(budget, "budgets:\n  browser:\n    gco2e_per_run: 0.5\n");
  const std::string html = dir.path() + "/energy.html";
  auto report = RunCommand({kBinary, "report", "--out", html, "--budget", budget},
                           IsolatedRunEnv(home, "report"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("5 runs"), std::string::npos) << report.out;

  const std::string screenshot =
      std::filesystem::current_path().string() + "/report_browser_test.png";
  auto browser = RunCommand(
      {"/usr/bin/node", kSource + "/tests/browser/check-report.mjs", html, screenshot}, {}, 120);
  ASSERT_EQ(browser.exit_code, 0) << browser.err << browser.out;
  const auto result = nlohmann::json::parse(browser.out, nullptr, false);
  ASSERT_FALSE(result.is_discarded()) << browser.out;
  EXPECT_EQ(result["consoleErrors"], nlohmann::json::array()) << result.dump();
  EXPECT_EQ(result["pageErrors"], nlohmann::json::array()) << result.dump();
  EXPECT_EQ(result["requests"], nlohmann::json::array()) << result.dump();
  EXPECT_EQ(result["dialogs"], nlohmann::json::array()) << "a script from data ran";
  EXPECT_EQ(result["sections"], 1);
  EXPECT_NE(result["tooltip"].get<std::string>().find("run browser-"), std::string::npos);

  const std::map<std::string, int> expected = {
      {"p0-energy-per-node", segments},
      {"p0-gco2e-per-run", carbon_bars},
      {"p0-j-per-record", record_points},
      {"p0-measured-vs-modelled", (measured ? 1 : 0) + (modelled ? 1 : 0)}};
  for (const char* pass : {"charts", "chartsWithoutScript"}) {
    std::map<std::string, int> seen;
    for (const auto& chart : result[pass]) {
      const std::string id = chart["id"];
      EXPECT_GT(chart["width"].get<double>(), 100) << pass << " " << id;
      EXPECT_GT(chart["height"].get<double>(), 50) << pass << " " << id;
      EXPECT_EQ(chart["drawnMarks"], chart["marks"]) << pass << " " << id << ": a mark of size 0";
      seen[id] = chart["marks"].get<int>();
      if (id == "p0-gco2e-per-run") {
        EXPECT_EQ(chart["references"], 1) << "the budget line";
      }
    }
    EXPECT_EQ(seen, expected) << pass;
  }
  const std::string page = ReadFile(html);
  EXPECT_EQ(page.find(kHostile), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_TRUE(std::filesystem::file_size(screenshot) > 10000) << screenshot;
}

TEST(ReportBrowserTest, EmptyHistoryIsAPageThatSaysSo) {
  if (!std::filesystem::exists("/usr/bin/chromium") ||
      !std::filesystem::exists(kSource + "/tests/browser/node_modules/playwright-core")) {
    GTEST_SKIP() << "chromium or tests/browser/node_modules missing: run scripts/bootstrap";
  }
  TempDir dir;
  const std::string html = dir.path() + "/empty.html";
  auto report = RunCommand({kBinary, "report", "-o", html}, IsolatedRunEnv(dir.path(), "r"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/history.sqlite")) << "a reader creates none";
  auto browser = RunCommand({"/usr/bin/node", kSource + "/tests/browser/check-report.mjs", html,
                             dir.path() + "/empty.png"},
                            {}, 120);
  ASSERT_EQ(browser.exit_code, 0) << browser.err;
  const auto result = nlohmann::json::parse(browser.out);
  EXPECT_TRUE(result["empty"].get<bool>());
  EXPECT_EQ(result["charts"].size(), 0u);
  EXPECT_EQ(result["pageErrors"], nlohmann::json::array());
  EXPECT_EQ(result["consoleErrors"], nlohmann::json::array());
}

}  // namespace
}  // namespace kfm::testing
