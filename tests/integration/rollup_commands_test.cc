// `kfm-energy rollup`, `slo` and `gate` end to end: history made by the real binary (`run`,
// `pipeline run`), stored with the real SQLite history, read back by the real commands. Every
// expected figure is recomputed here from the span files the runs wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "span_files.h"
#include "store/history.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kBurn = KFM_BURN;  // uses exactly N seconds of CPU

double Number(const nlohmann::json& any_value) {
  if (any_value.contains("doubleValue")) return any_value.at("doubleValue").get<double>();
  const auto& i = any_value.at("intValue");
  return i.is_string() ? std::stod(i.get<std::string>()) : i.get<double>();
}

// "YYYY-MM-DD" for today + `days` (UTC).
std::string UtcDate(int days) {
  const std::time_t t = std::time(nullptr) + days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

class RollupCommandsTest : public ::testing::Test {
 protected:
  std::string Home() const { return home_.path(); }
  std::string SpansFile(const std::string& run_id) const {
    return Home() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  }
  // One `kfm-energy run` node reporting `records` and burning `cpu_s` seconds of CPU.
  void RunNode(const std::string& run_id, const std::string& node, int records, double cpu_s) {
    auto r = RunCommand({kBinary, "run", "-q", "--node", node, "--", "/bin/sh", "-c",
                         "echo records_out " + std::to_string(records) +
                             " >> \"$KFM_NODE_REPORT\"; " + kBurn + " " + std::to_string(cpu_s)},
                        IsolatedRunEnv(Home(), run_id));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    run_ids_.push_back(run_id);
  }
  // Stores every span file written so far in the history (duplicates are ignored by the store).
  void Ingest() {
    auto history = store::History::Open(store::DefaultHistoryPath(Home()));
    ASSERT_TRUE(history.ok()) << history.status().message();
    for (const auto& run_id : run_ids_) {
      auto counts = history->IngestFile(SpansFile(run_id));
      ASSERT_TRUE(counts.ok()) << counts.status().message();
    }
  }
  CommandResult Kfm(std::vector<std::string> args) const {
    args.insert(args.begin(), kBinary);
    return RunCommand(args, IsolatedRunEnv(Home(), "unused"));
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = Home() + "/" + name;
    WriteFile(path, text);
    return path;
  }

  TempDir home_;
  std::vector<std::string> run_ids_;
};

TEST_F(RollupCommandsTest, RollupFiguresMatchTheSpanFiles) {
  const std::string pipeline = Write("p.yaml",
                                     "pipeline: itest\nnodes:\n  ingest:\n    shell: \""
                                     "echo records_out 300 >> $KFM_NODE_REPORT; "
                                     "echo bytes_out 60000 >> $KFM_NODE_REPORT; " +
                                         kBurn +
                                         " 0.05\"\n  publish:\n    needs: [ingest]\n"
                                         "    run: [" +
                                         kBurn + ", \"0.02\"]\n");
  for (int i = 0; i < 3; ++i) {
    const std::string run_id = "pipe-" + std::to_string(i);
    auto r = RunCommand({kBinary, "pipeline", "run", pipeline}, IsolatedRunEnv(Home(), run_id));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    run_ids_.push_back(run_id);
  }
  Ingest();
  const std::string out = Home() + "/rollup.json";
  auto r = Kfm({"rollup", "--window", "1d", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("itest"), std::string::npos) << r.out;
  auto valid = Kfm({"validate", out});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;

  // Independently: sum the node spans of the span files.
  struct Sums {
    double j = 0, g = 0;
    long records = 0, bytes = 0, n = 0;
  };
  std::map<std::string, Sums> want;
  std::map<std::string, double> run_gco2e;
  for (const auto& run_id : run_ids_) {
    for (const auto& line : ReadJsonLines(SpansFile(run_id))) {
      for (const auto& rs : line["resourceSpans"]) {
        for (const auto& ss : rs["scopeSpans"]) {
          for (const auto& span : ss["spans"]) {
            if (!span["name"].get<std::string>().starts_with("etl.node.")) continue;
            std::map<std::string, nlohmann::json> a;
            for (const auto& kv : span["attributes"]) a[kv["key"]] = kv["value"];
            Sums& s = want[a.at("kfm.node")["stringValue"]];
            s.j += Number(a.at("energy.total_j"));
            s.g += Number(a.at("carbon.gco2e"));
            run_gco2e[run_id] += Number(a.at("carbon.gco2e"));
            if (a.contains("kfm.records_out"))
              s.records += std::lround(Number(a["kfm.records_out"]));
            if (a.contains("kfm.bytes_out")) s.bytes += std::lround(Number(a["kfm.bytes_out"]));
            s.n++;
          }
        }
      }
    }
  }
  const auto doc = nlohmann::json::parse(ReadFile(out));
  ASSERT_EQ(doc["nodes"].size(), want.size()) << doc["nodes"].dump();
  for (const auto& row : doc["nodes"]) {
    const Sums& s = want.at(row["node"]);
    EXPECT_EQ(row["pipeline"], "itest");
    EXPECT_EQ(row["executions"], s.n);
    EXPECT_EQ(row["runs"], 3);
    EXPECT_NEAR(row["total_j"].get<double>(), s.j, 1e-9 * s.j + 1e-12);
    EXPECT_NEAR(row["gco2e"].get<double>(), s.g, 1e-9 * s.g + 1e-15);
    EXPECT_EQ(row["records_out"], s.records);
    if (s.records > 0) {
      EXPECT_NEAR(row["j_per_record"].get<double>(), s.j / s.records, 1e-9 * s.j / s.records);
      EXPECT_NEAR(row["gco2e_per_record"].get<double>(), s.g / s.records, 1e-9 * s.g / s.records);
      EXPECT_NEAR(row["j_per_mb"].get<double>(), s.j / (s.bytes / 1e6), 1e-9 * s.j);
    } else {
      EXPECT_FALSE(row.contains("j_per_record"));
    }
  }
  ASSERT_EQ(doc["runs"].size(), 3u);
  for (const auto& run : doc["runs"]) {
    EXPECT_NEAR(run["gco2e"].get<double>(), run_gco2e.at(run["run_id"]), 1e-12);
    EXPECT_EQ(run["node_count"], 2);
  }
  // The environment has no RAPL: every figure is modelled and labelled so.
  EXPECT_EQ(doc["counts"]["node_executions"]["modelled"], 6);
  EXPECT_EQ(doc["counts"]["node_executions"]["measured"], 0);
  ASSERT_EQ(doc["pipelines"].size(), 1u);
  EXPECT_EQ(doc["pipelines"][0]["basis"], "modelled");
  double mean = 0;
  for (const auto& [id, g] : run_gco2e) mean += g / 3;
  EXPECT_NEAR(doc["pipelines"][0]["baselines"]["gco2e_per_run"]["7d"]["mean"].get<double>(), mean,
              1e-12);
  EXPECT_FALSE(doc["carbon_tables"].empty());
}

TEST_F(RollupCommandsTest, EmptyHistoryGivesAnEmptyValidRollupAtTheDefaultPath) {
  auto r = Kfm({"rollup", "--window", "30d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no runs"), std::string::npos) << r.out;
  auto version = Kfm({"version"});
  // "kfm-energy 0.1.0 ..." -> v0.1.x
  const auto digits = version.out.find_first_of("0123456789");
  ASSERT_NE(digits, std::string::npos) << version.out;
  const std::string v =
      version.out.substr(digits, version.out.find_first_not_of("0123456789.", digits) - digits);
  const std::string release = "v" + v.substr(0, v.rfind('.')) + ".x";
  const std::string file = Home() + "/releases/" + release + "/energy-rollup-nightly.json";
  ASSERT_TRUE(std::filesystem::exists(file)) << r.out;
  EXPECT_EQ(Kfm({"validate", file}).exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(ReadFile(file))["nodes"].empty());
  EXPECT_FALSE(std::filesystem::exists(Home() + "/history.sqlite"));  // a reader creates nothing
  EXPECT_EQ(Kfm({"rollup", "--window", "30x"}).exit_code, 2);
}

class GateCommandTest : public RollupCommandsTest {
 protected:
  // Five nights at `records` records per 0.05 s of CPU: a steady baseline.
  void Baseline() {
    for (int i = 0; i < 5; ++i) RunNode("night-" + std::to_string(i), "ingest", 1000, 0.05);
  }
};

TEST_F(GateCommandTest, RegressionFailsAndWritesMarkdown) {
  Baseline();
  RunNode("candidate", "ingest", 100, 0.05);  // same work, a tenth of the records
  Ingest();
  const std::string md = Home() + "/gate.md";
  auto r = Kfm({"gate", "--metric", "j_per_record", "--markdown", md});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("run candidate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
  const std::string text = ReadFile(md);
  EXPECT_NE(text.find("## Energy gate: :x: regression"), std::string::npos) << text;
  EXPECT_NE(text.find("| `ingest` |"), std::string::npos) << text;
  auto report_only = Kfm({"gate", "--metric", "j_per_record", "--report-only"});
  EXPECT_EQ(report_only.exit_code, 0) << report_only.out;
  EXPECT_NE(report_only.out.find("REGRESSION"), std::string::npos);
  // The same work is not a regression: the previous night passes. Its joules are modelled from
  // measured CPU time, which on a loaded (or sanitizer-built) machine jitters by tens of percent
  // over four runs, so the allowance is wide; the candidate above is ten times over.
  auto previous = Kfm({"gate", "--metric", "j_per_record", "--run", "night-4", "--min-runs", "4",
                       "--threshold", "100%"});
  EXPECT_EQ(previous.exit_code, 0) << previous.out;
}

TEST_F(GateCommandTest, WaiverAndExpiredWaiver) {
  Baseline();
  RunNode("candidate", "ingest", 100, 0.05);
  Ingest();
  const std::string valid = Write("waivers.yaml",
                                  "waivers:\n  - metric: gco2e_per_record\n"
                                  "    pipeline: ingest\n"
                                  "    reason: fewer records by design (#7)\n"
                                  "    expires: " +
                                      UtcDate(1) + "\n");
  auto r = Kfm({"gate", "--metric", "gco2e_per_record", "--waivers", valid});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("waived"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fewer records by design (#7)"), std::string::npos) << r.out;
  const std::string expired = Write("old.yaml",
                                    "waivers:\n  - metric: gco2e_per_record\n"
                                    "    pipeline: ingest\n"
                                    "    reason: old\n"
                                    "    expires: " +
                                        UtcDate(-1) + "\n");
  auto e = Kfm({"gate", "--metric", "gco2e_per_record", "--waivers", expired});
  EXPECT_EQ(e.exit_code, 1) << e.out;
  EXPECT_NE(e.out.find("expired on " + UtcDate(-1) + "; ignored"), std::string::npos) << e.out;
  const std::string bad = Write("bad.yaml",
                                "waivers:\n  - metric: gco2e_per_record\n"
                                "    pipeline: ingest\n    reason: r\n"
                                "    expires: tomorrow\n");
  auto b = Kfm({"gate", "--waivers", bad});
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("bad.yaml:5:14: waivers[0].expires"), std::string::npos) << b.err;
}

TEST_F(GateCommandTest, TooLittleHistoryPasses) {
  RunNode("night-0", "ingest", 1000, 0.05);
  RunNode("candidate", "ingest", 10, 0.05);
  Ingest();
  auto r = Kfm({"gate", "--metric", "j_per_record"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("too little history"), std::string::npos) << r.out;
  auto none = RunCommand({kBinary, "gate"}, IsolatedRunEnv(TempDir().path() + "-none", "x"));
  EXPECT_EQ(none.exit_code, 0) << none.out << none.err;
  EXPECT_EQ(Kfm({"gate", "--metric", "joules"}).exit_code, 2);
  EXPECT_EQ(Kfm({"gate", "--run", "no-such-run"}).exit_code, 2);
}

TEST_F(RollupCommandsTest, SloOverAndUnderBudget) {
  RunNode("r1", "nightly", 500, 0.05);
  Ingest();
  const auto spans = ReadJsonLines(SpansFile("r1"));
  const double gco2e = Number(SpanAttributes(spans.at(0)).at("carbon.gco2e"));
  ASSERT_GT(gco2e, 0);
  const std::string over = Write(
      "over.yaml", "budgets:\n  nightly:\n    gco2e_per_run: " + std::to_string(gco2e / 2) + "\n");
  auto r = Kfm({"slo", "--budget", over});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("EXCEEDED gco2e_per_run"), std::string::npos) << r.out;
  const std::string under = Write(
      "under.yaml", "budgets:\n  nightly:\n    gco2e_per_run: " + std::to_string(gco2e * 2) + "\n");
  auto u = Kfm({"slo", "--budget", under, "--run", "r1"});
  EXPECT_EQ(u.exit_code, 0) << u.out << u.err;
  EXPECT_NE(u.out.find("within budget"), std::string::npos) << u.out;
  const std::string bad = Write("bad.yaml", "budgets:\n  nightly:\n    gco2e_per_run: -1\n");
  auto b = Kfm({"slo", "--budget", bad});
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("bad.yaml:3:20: budgets.nightly.gco2e_per_run: must not be negative"),
            std::string::npos)
      << b.err;
  EXPECT_EQ(Kfm({"slo", "--budget", Home() + "/missing.yaml"}).exit_code, 2);
}

}  // namespace
}  // namespace kfm::testing
