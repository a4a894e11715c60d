#include "rollup/rollup.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "history_builder.h"

namespace kfm::rollup {
namespace {

using test_history::HistoryBuilder;
using test_history::kDay;
using test_history::kT0;
using test_history::NodeSpec;

RollupOptions Window(std::int64_t until, int days) {
  RollupOptions o;
  o.until_unix_nano = until;
  o.since_unix_nano = until - days * kDay;
  o.window = std::to_string(days) + "d";
  o.release = "v0.1.x";
  o.kind = "nightly";
  o.version = "0.1.0";
  return o;
}

// A random month of nightly runs; the expected figures are recomputed here from the records.
class RollupFigures : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> joules(50, 500);
    std::uniform_int_distribution<int> records(0, 2000);
    for (int day = 0; day < 40; ++day) {
      std::vector<NodeSpec> specs;
      for (const char* name : {"hrrr_ingest", "usgs_gauges", "energy_rollup"}) {
        NodeSpec s;
        s.node = name;
        s.total_j = joules(rng);
        s.gco2e = s.total_j / 3.6e6 * 450;
        if (std::string(name) != "energy_rollup") {
          s.records = records(rng);
          s.bytes = s.records * 137;
        }
        s.modelled = (day % 5 == 0);  // every fifth night modelled
        specs.push_back(s);
      }
      h.AddRun("nightly", "run-" + std::to_string(day),
               kT0 + day * kDay + 3600 * test_history::kSecond, specs, /*ok=*/day != 17);
    }
    until = kT0 + 40 * kDay;
  }
  HistoryBuilder h;
  std::int64_t until = 0;
};

TEST_F(RollupFigures, PerNodeTotalsAndRatiosMatchTheRawRecords) {
  const Rollup r = ComputeRollup(h.runs, h.nodes, Window(until, 30));
  struct Expected {
    double j = 0, g = 0, j_rec = 0, g_rec = 0, j_bytes = 0;
    std::int64_t rec = 0, bytes = 0, n = 0;
    std::set<std::string> runs;
  };
  std::map<std::pair<std::string, bool>, Expected> want;
  std::int64_t measured = 0, modelled = 0;
  for (const auto& n : h.nodes) {
    if (n.end_unix_nano < until - 30 * kDay || n.end_unix_nano >= until) continue;
    (n.modelled ? modelled : measured)++;
    Expected& e = want[{n.node, n.modelled}];
    e.j += n.total_j;
    e.g += n.gco2e;
    e.n++;
    e.runs.insert(n.run_id);
    if (n.records_out && *n.records_out > 0) {
      e.rec += *n.records_out;
      e.j_rec += n.total_j;
      e.g_rec += n.gco2e;
    }
    if (n.bytes_out && *n.bytes_out > 0) {
      e.bytes += *n.bytes_out;
      e.j_bytes += n.total_j;
    }
  }
  EXPECT_EQ(r.measured_nodes, measured);
  EXPECT_EQ(r.modelled_nodes, modelled);
  ASSERT_EQ(r.nodes.size(), want.size());
  for (const NodeRollup& row : r.nodes) {
    const Expected& e = want.at({row.node, row.basis == Basis::kModelled});
    EXPECT_EQ(row.executions, e.n) << row.node;
    EXPECT_EQ(row.runs, static_cast<std::int64_t>(e.runs.size()));
    EXPECT_NEAR(row.total_j, e.j, 1e-9 * e.j);
    EXPECT_NEAR(row.gco2e, e.g, 1e-9 * e.g);
    EXPECT_EQ(row.records_out, e.rec);
    if (e.rec > 0) {
      EXPECT_NEAR(*row.j_per_record, e.j_rec / e.rec, 1e-12);
      EXPECT_NEAR(*row.gco2e_per_record, e.g_rec / e.rec, 1e-15);
      EXPECT_NEAR(*row.j_per_mb, e.j_bytes / (e.bytes / 1e6), 1e-9);
    } else {
      EXPECT_FALSE(row.j_per_record);  // energy_rollup reports no records
      EXPECT_FALSE(row.j_per_mb);
    }
  }
}

TEST_F(RollupFigures, BaselinesKeepMeasuredAndModelledApart) {
  const Rollup r = ComputeRollup(h.runs, h.nodes, Window(until, 30));
  for (const PipelineRollup& p : r.pipelines) {
    for (int days : kBaselineDays) {
      std::vector<double> values;
      for (const auto& run : h.runs) {
        if (!run.ok || run.start_unix_nano < until - days * kDay) continue;
        if ((run.modelled ? Basis::kModelled : Basis::kMeasured) != p.basis) continue;
        values.push_back(run.gco2e);
      }
      const Summary& s = p.gco2e_per_run.at(std::to_string(days) + "d");
      ASSERT_EQ(s.count, values.size()) << BasisName(p.basis) << " " << days;
      double sum = 0;
      for (double v : values) sum += v;
      EXPECT_NEAR(*s.mean, sum / values.size(), 1e-12);
      std::sort(values.begin(), values.end());
      const double h90 = (values.size() - 1) * 0.9;
      const auto lo = static_cast<std::size_t>(h90);
      const double p90 =
          values[lo] + (h90 - lo) * (values[std::min(lo + 1, values.size() - 1)] - values[lo]);
      EXPECT_NEAR(*s.p90, p90, 1e-12);
    }
  }
  ASSERT_EQ(r.pipelines.size(), 2u);  // nightly measured, nightly modelled
  EXPECT_NE(r.pipelines[0].basis, r.pipelines[1].basis);
}

TEST_F(RollupFigures, RunRowsAndDailyRollingMeans) {
  const Rollup r = ComputeRollup(h.runs, h.nodes, Window(until, 30));
  ASSERT_EQ(r.runs.size(), 30u);
  for (const RunRollup& row : r.runs) {
    std::int64_t rec = 0;
    double j = 0;
    for (const auto& n : h.nodes) {
      if (n.run_id != row.run_id) continue;
      j += n.total_j;
      if (n.records_out) rec += *n.records_out;
    }
    EXPECT_NEAR(row.total_j, j, 1e-9);
    ASSERT_TRUE(row.records_out);
    EXPECT_EQ(*row.records_out, rec);
    if (rec > 0) {
      EXPECT_NEAR(*row.j_per_record, j / rec, 1e-12);
    }
  }
  // The 7-day rolling mean of gCO2e/run on the last day, from the raw runs.
  const PipelineRollup& measured =
      r.pipelines[0].basis == Basis::kMeasured ? r.pipelines[0] : r.pipelines[1];
  const DailyPoint& last = measured.daily.back();
  double sum = 0;
  int n = 0;
  for (const auto& run : h.runs) {
    if (run.ok && !run.modelled && run.start_unix_nano >= until - 7 * kDay) {
      sum += run.gco2e;
      ++n;
    }
  }
  EXPECT_NEAR(*last.rolling_7d_gco2e_per_run, sum / n, 1e-12);
}

TEST_F(RollupFigures, DocumentListsCountsAndCarbonTables) {
  const nlohmann::json doc = RollupToJson(ComputeRollup(h.runs, h.nodes, Window(until, 30)));
  EXPECT_EQ(doc["schema"], "kfm.energy-rollup.v1");
  EXPECT_EQ(doc["window"]["length"], "30d");
  EXPECT_EQ(
      doc["counts"]["runs"]["measured"].get<int>() + doc["counts"]["runs"]["modelled"].get<int>(),
      30);
  ASSERT_EQ(doc["carbon_tables"].size(), 1u);
  EXPECT_EQ(doc["carbon_tables"][0]["table_id"], "eia930-spp");
  EXPECT_EQ(doc["carbon_tables"][0]["node_executions"], 90);
}

TEST(Rollup, EmptyHistoryIsAnEmptyRollup) {
  const Rollup r = ComputeRollup({}, {}, Window(kT0, 30));
  EXPECT_TRUE(r.nodes.empty());
  EXPECT_TRUE(r.runs.empty());
  const auto doc = RollupToJson(r);
  EXPECT_TRUE(doc["nodes"].empty());
  EXPECT_NE(FormatRollupSummary(r).find("no runs"), std::string::npos);
}

TEST(Rollup, PipelineFilterLeavesOtherPipelinesOut) {
  HistoryBuilder h;
  h.AddRun("nightly", "a", kT0, {{.node = "x", .total_j = 10, .gco2e = 1}});
  h.AddRun("hourly", "b", kT0 + 100, {{.node = "y", .total_j = 20, .gco2e = 2}});
  RollupOptions o = Window(kT0 + kDay, 30);
  o.pipeline = "hourly";
  const Rollup r = ComputeRollup(h.runs, h.nodes, o);
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].node, "y");
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].run_id, "b");
}

}  // namespace
}  // namespace kfm::rollup
