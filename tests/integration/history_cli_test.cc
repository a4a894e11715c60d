// The run history through the real binary: runs are stored when `run` and `pipeline run`
// end, `ingest` takes bundles and collector output (duplicates once, bad lines exit 2 naming
// file:line and field), `runs list/show` print tables and JSON whose figures are the spans'.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../unit/store/span_lines.h"
#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;

double Number(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  return static_cast<double>(std::stoll(any["intValue"].get<std::string>()));
}

class HistoryCliTest : public ::testing::Test {
 protected:
  std::string Home() const { return dir_.path() + "/home"; }
  std::vector<std::string> Env(const std::string& run_id) const {
    return IsolatedRunEnv(Home(), run_id);
  }
  std::string Spans(const std::string& run_id) const {
    return Home() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  }
  CommandResult Kfm(std::vector<std::string> args, const std::string& run_id = "none") const {
    args.insert(args.begin(), kBinary);
    return RunCommand(args, Env(run_id), 120);
  }
  nlohmann::json Json(std::vector<std::string> args) const {
    auto result = Kfm(std::move(args));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }
  TempDir dir_;
};

TEST_F(HistoryCliTest, ARunIsInTheHistoryWhenItEndsWithTheFiguresOfItsSpan) {
  auto run = Kfm({"run", "-q", "--node", "gauges", "--", "/bin/sh", "-c",
                  "echo records_out 40 >> \"$KFM_NODE_REPORT\""},
                 "wrap-1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto failed = Kfm({"run", "-q", "--node", "second", "--", "/bin/sh", "-c", "exit 3"}, "wrap-1");
  ASSERT_EQ(failed.exit_code, 3) << failed.err;  // the history never changes the exit status
  EXPECT_EQ(failed.err.find("history"), std::string::npos) << failed.err;

  // Expected figures straight from the bundle.
  std::map<std::string, std::map<std::string, nlohmann::json>> by_node;
  for (const auto& request : ReadJsonLines(Spans("wrap-1"))) {
    auto attrs = SpanAttributes(request);
    by_node[attrs.at("kfm.node")["stringValue"]] = attrs;
  }
  ASSERT_EQ(by_node.size(), 2u);
  const double total = Number(by_node["gauges"].at("energy.total_j")) +
                       Number(by_node["second"].at("energy.total_j"));
  const double gco2e =
      Number(by_node["gauges"].at("carbon.gco2e")) + Number(by_node["second"].at("carbon.gco2e"));

  auto list = Json({"runs", "list", "--json"});
  ASSERT_EQ(list["runs"].size(), 1u) << list.dump(2);
  const auto& r = list["runs"][0];
  EXPECT_EQ(r["run_id"], "wrap-1");
  EXPECT_EQ(r["pipeline"], "gauges");  // no pipeline: the first node names the run
  EXPECT_EQ(r["nodes"], 2);
  EXPECT_EQ(r["status"], "failed");
  EXPECT_EQ(r["figures"], "modelled");  // no RAPL in the isolated environment
  EXPECT_NEAR(r["energy_j"].get<double>(), total, 1e-12);
  EXPECT_NEAR(r["gco2e"].get<double>(), gco2e, 1e-15);

  auto show = Json({"runs", "show", "wrap-1", "--json"});
  ASSERT_EQ(show["nodes"].size(), 2u);
  const auto& gauges = show["nodes"][0];
  EXPECT_EQ(gauges["node"], "gauges");
  EXPECT_EQ(gauges["records_out"], 40);
  EXPECT_NEAR(gauges["energy_j"].get<double>(), Number(by_node["gauges"].at("energy.total_j")),
              1e-12);
  EXPECT_NEAR(gauges["j_per_record"].get<double>(),
              Number(by_node["gauges"].at("energy.total_j")) / 40, 1e-12);
  EXPECT_EQ(gauges["cpu_method"], by_node["gauges"].at("energy.cpu_method")["stringValue"]);
  EXPECT_EQ(show["nodes"][1]["status"], "failed");

  auto table = Kfm({"runs", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("RUN ID"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("wrap-1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("modelled"), std::string::npos) << table.out;
  auto node_table = Kfm({"runs", "show", "wrap-1"});
  ASSERT_EQ(node_table.exit_code, 0) << node_table.err;
  EXPECT_NE(node_table.out.find("J/RECORD"), std::string::npos) << node_table.out;
  EXPECT_NE(node_table.out.find("gauges"), std::string::npos) << node_table.out;
}

TEST_F(HistoryCliTest, AnUnknownRunIsExitTwoWithAClearMessage) {
  auto result = Kfm({"runs", "show", "no-such-run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no run 'no-such-run'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("history.sqlite"), std::string::npos) << result.err;
  auto bad_since = Kfm({"runs", "list", "--since", "yesterday"});
  EXPECT_EQ(bad_since.exit_code, 2) << bad_since.err;
}

TEST_F(HistoryCliTest, IngestCountsCollectorOutputOnceAndReportsABadLineByFileAndLine) {
  // A collector's file exporter: many runs and resources in one file, one request per line.
  std::string collector;
  std::map<std::string, double> expected_j;
  for (int run = 0; run < 3; ++run) {
    for (int node = 0; node < 4; ++node) {
      store::testing::TestNode n;
      n.run_id = "fleet-" + std::to_string(run);
      n.node = "n" + std::to_string(node);
      n.pipeline = "fleet";
      char span[17];
      std::snprintf(span, sizeof span, "%016x", 0x100 + run * 16 + node);
      n.span_id = span;
      n.total_j = 1.0 + run + 0.25 * node;
      n.end_ns += run * 3'600'000'000'000LL + node * 1'000'000'000LL;
      n.start_ns = n.end_ns - 500'000'000;
      expected_j[n.run_id] += n.total_j;
      collector += store::testing::NodeLine({n}) + "\n";
    }
  }
  const std::string good = dir_.path() + "/collector.json";
  WriteFile(good, collector);
  std::string broken = collector;
  // Line 2 of the second file loses its closing brace; nothing of that file is stored.
  const auto second_line_end = broken.find('\n', broken.find('\n') + 1);
  broken.erase(second_line_end - 1, 1);
  const std::string bad = dir_.path() + "/broken.json";
  WriteFile(bad, broken);

  auto first = Kfm({"ingest", good, bad});
  EXPECT_EQ(first.exit_code, 2) << first.out << first.err;
  EXPECT_NE(first.err.find(bad + ":2:"), std::string::npos) << first.err;
  EXPECT_NE(first.out.find(good + ": 12 new, 0 duplicate"), std::string::npos) << first.out;

  auto again = Kfm({"ingest", good});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 new, 12 duplicate"), std::string::npos) << again.out;

  auto list = Json({"runs", "list", "--json", "--limit", "0"});
  ASSERT_EQ(list["runs"].size(), 3u);
  for (const auto& r : list["runs"]) {
    EXPECT_EQ(r["nodes"], 4);
    EXPECT_NEAR(r["energy_j"].get<double>(), expected_j.at(r["run_id"]), 1e-9);
  }
  EXPECT_EQ(list["runs"][0]["run_id"], "fleet-2");  // newest first
  auto limited = Json({"runs", "list", "--json", "--limit", "1", "--pipeline", "fleet"});
  EXPECT_EQ(limited["runs"].size(), 1u);
  auto other = Json({"runs", "list", "--json", "--pipeline", "nightly"});
  EXPECT_EQ(other["runs"].size(), 0u);

  // A wrong type is named by field.
  std::string typed = store::testing::NodeLine({store::testing::TestNode{}});
  const std::string from = R"({"key":"kfm.records_out","value":{"intValue":"10"}})";
  const auto at = typed.find(from);
  ASSERT_NE(at, std::string::npos);
  typed.replace(at, from.size(), R"({"key":"kfm.records_out","value":{"stringValue":"ten"}})");
  WriteFile(bad, typed + "\n");
  auto wrong = Kfm({"ingest", bad});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find(bad + ":1:"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("kfm.records_out must be an intValue"), std::string::npos) << wrong.err;
}

TEST_F(HistoryCliTest, IngestOfADirectoryTakesTheSpanBundlesOfAnotherHome) {
  const std::string other_home = dir_.path() + "/elsewhere";
  auto run = RunCommand({kBinary, "run", "-q", "--node", "remote", "--", "/bin/true"},
                        IsolatedRunEnv(other_home, "remote-1"), 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto ingest = Kfm({"ingest", other_home});
  EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  // Only the span bundle: energy and carbon documents beside it are not OTLP lines.
  EXPECT_NE(ingest.out.find("ingested 1 of 1 file(s)"), std::string::npos) << ingest.out;
  auto show = Json({"runs", "show", "remote-1", "--json"});
  EXPECT_EQ(show["run"]["nodes"], 1);
}

TEST_F(HistoryCliTest, ANodeInsideAPipelineSeesItsUpstreamNodesInTheHistory) {
  const std::string yaml = dir_.path() + "/p.yaml";
  const std::string seen = dir_.path() + "/seen.json";
  WriteFile(yaml,
            "pipeline: hist\n"
            "nodes:\n"
            "  a: {run: [/bin/true]}\n"
            "  b: {run: [/bin/true]}\n"
            "  report:\n"
            "    needs: [a, b]\n"
            "    shell: \"" +
                kBinary + " runs show \\\"$KFM_RUN_ID\\\" --json > " + seen + "\"\n");
  auto result = RunCommand({kBinary, "pipeline", "run", yaml}, Env("pipe-1"), 120);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto inside = nlohmann::json::parse(ReadFile(seen));
  std::vector<std::string> names;
  for (const auto& n : inside["nodes"]) names.push_back(n["node"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  // After the run: every node and the run span.
  auto after = Json({"runs", "show", "pipe-1", "--json"});
  EXPECT_EQ(after["nodes"].size(), 3u);
  EXPECT_EQ(after["run"]["pipeline"], "hist");
  EXPECT_EQ(after["run"]["has_run_span"], true);
  EXPECT_EQ(after["run"]["status"], "ok");
}

}  // namespace
}  // namespace kfm::testing
