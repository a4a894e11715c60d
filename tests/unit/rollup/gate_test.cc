#include "rollup/gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "history_builder.h"

namespace kfm::rollup {
namespace {

using test_history::HistoryBuilder;
using test_history::kDay;
using test_history::kT0;

constexpr std::int64_t kRecords = 1000;

// `days` nightly runs with J/record = base * (1 + jitter), jitter uniform in [-spread, spread].
HistoryBuilder Nights(int days, double base, double spread, bool modelled = false,
                      unsigned seed = 1) {
  HistoryBuilder h;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-spread, spread);
  for (int d = 0; d < days; ++d) {
    const double j = base * (1 + jitter(rng)) * kRecords;
    h.AddRun("nightly", "night-" + std::to_string(d), kT0 + d * kDay,
             {{.node = "ingest",
               .total_j = j,
               .gco2e = j / 3.6e6 * 400,
               .records = kRecords,
               .modelled = modelled}});
  }
  return h;
}

void AddCandidate(HistoryBuilder& h, int day, double j_per_record, bool modelled = false) {
  const double j = j_per_record * kRecords;
  h.AddRun("nightly", "candidate", kT0 + day * kDay,
           {{.node = "ingest",
             .total_j = j,
             .gco2e = j / 3.6e6 * 400,
             .records = kRecords,
             .modelled = modelled}});
}

GateOptions Options(GateMetric metric = GateMetric::kJPerRecord) {
  GateOptions o;
  o.metric = metric;
  o.baseline_ns = 14 * kDay;
  o.threshold = 0.10;
  o.now_unix_nano = kT0 + 20 * kDay;
  return o;
}

TEST(Gate, ClearRegressionFails) {
  HistoryBuilder h = Nights(14, 2.0, 0.02);
  AddCandidate(h, 14, 2.0 * 1.5);  // +50 %
  auto r = EvaluateGate(h.runs, h.nodes, Options(), {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->candidate.run_id, "candidate");
  EXPECT_EQ(r->baseline_runs, 14u);
  ASSERT_EQ(r->comparisons.size(), 2u);  // the run and its one node
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::kRegression);
  EXPECT_EQ(r->comparisons[1].verdict, Verdict::kRegression);
  EXPECT_TRUE(r->regression());
  EXPECT_NEAR(*r->comparisons[0].change, 3.0 / *r->comparisons[0].baseline.median - 1, 1e-12);
  EXPECT_NE(FormatGateReport(*r).find("REGRESSION"), std::string::npos);
  EXPECT_NE(FormatGateMarkdown(*r).find("| `ingest` |"), std::string::npos);
}

// +12 % is above the 10 % threshold but inside a baseline that itself jitters by +-20 %.
TEST(Gate, JitterWithinTheBaselinesSpreadPasses) {
  HistoryBuilder h = Nights(14, 2.0, 0.20, false, 3);
  AddCandidate(h, 14, 2.0 * 1.12);
  auto r = EvaluateGate(h.runs, h.nodes, Options(), {});
  ASSERT_TRUE(r.ok());
  const Comparison& c = r->comparisons[0];
  ASSERT_TRUE(c.change);
  EXPECT_GT(*c.change, 0.10 - 0.05);               // above or near the bare threshold ...
  EXPECT_GT(*c.limit, *c.baseline.median * 1.10);  // ... but the spread sets the limit
  EXPECT_EQ(c.verdict, Verdict::kWithin);
  EXPECT_FALSE(r->regression());
  // The same +12 % against a steady baseline is a regression: the rule is not just lenient.
  HistoryBuilder steady = Nights(14, 2.0, 0.01);
  AddCandidate(steady, 14, 2.0 * 1.12);
  EXPECT_TRUE(EvaluateGate(steady.runs, steady.nodes, Options(), {})->regression());
}

TEST(Gate, WaiverCoversARegressionAndShowsItsReason) {
  HistoryBuilder h = Nights(14, 2.0, 0.02);
  AddCandidate(h, 14, 3.0);
  auto waivers = ParseWaiverFile(R"(waivers:
  - metric: j_per_record
    pipeline: nightly
    reason: new decoder reads two more fields
    expires: 2025-12-31
)",
                                 "waivers.yaml");
  ASSERT_TRUE(waivers.ok()) << waivers.status().message();
  auto r = EvaluateGate(h.runs, h.nodes, Options(), *waivers);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::kWaived);
  EXPECT_EQ(r->comparisons[1].verdict, Verdict::kWaived);
  EXPECT_FALSE(r->regression());
  EXPECT_NE(FormatGateReport(*r).find("new decoder reads two more fields"), std::string::npos);
  // A waiver for another metric does not apply.
  GateOptions other = Options(GateMetric::kGco2ePerRecord);
  EXPECT_TRUE(EvaluateGate(h.runs, h.nodes, other, *waivers)->regression());
}

TEST(Gate, MarkdownKeepsAWaiverReasonInsideItsCell) {
  HistoryBuilder h = Nights(14, 2.0, 0.02);
  AddCandidate(h, 14, 3.0);
  auto waivers = ParseWaiverFile(
      "waivers:\n  - {metric: j_per_record, pipeline: nightly, reason: \"a | b\", expires: "
      "2025-12-31}\n",
      "w.yaml");
  ASSERT_TRUE(waivers.ok()) << waivers.status().message();
  auto r = EvaluateGate(h.runs, h.nodes, Options(), *waivers);
  ASSERT_TRUE(r.ok());
  const std::string md = FormatGateMarkdown(*r);
  EXPECT_NE(md.find("a \\| b"), std::string::npos) << md;
  EXPECT_EQ(md.find("a | b"), std::string::npos) << md;
}

TEST(Gate, ExpiredWaiverIsIgnoredWithANote) {
  HistoryBuilder h = Nights(14, 2.0, 0.02);
  AddCandidate(h, 14, 3.0);
  auto waivers = ParseWaiverFile(R"(waivers:
  - {metric: j_per_record, node: ingest, reason: temporary, expires: 2025-12-10}
)",
                                 "waivers.yaml");
  ASSERT_TRUE(waivers.ok()) << waivers.status().message();
  auto r = EvaluateGate(h.runs, h.nodes, Options(), *waivers);  // now = 2025-12-21
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->regression());
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("expired on 2025-12-10"), std::string::npos);
  EXPECT_NE(r->notes[0].find("waivers.yaml:2"), std::string::npos);
  // Valid through the whole expiry day; a node waiver covers that node, not the run figure.
  GateOptions on_the_day = Options();
  on_the_day.now_unix_nano = kT0 + 9 * kDay + 23 * 3600 * test_history::kSecond;
  auto day = EvaluateGate(h.runs, h.nodes, on_the_day, *waivers);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->comparisons[1].verdict, Verdict::kWaived);
  EXPECT_EQ(day->comparisons[0].verdict, Verdict::kRegression);
  EXPECT_TRUE(day->notes.empty());
}

TEST(Gate, TooLittleHistorySaysSoAndDoesNotFail) {
  HistoryBuilder h = Nights(3, 2.0, 0.02);
  AddCandidate(h, 3, 10.0);  // five times worse, but only three nights to compare with
  auto r = EvaluateGate(h.runs, h.nodes, Options(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->comparisons[0].verdict, Verdict::kInsufficientHistory);
  EXPECT_FALSE(r->regression());
  EXPECT_TRUE(r->too_little_history());
  EXPECT_NE(FormatGateReport(*r).find("too little history"), std::string::npos);
}

TEST(Gate, ModelledAndMeasuredAreNeverCompared) {
  // Fourteen measured nights at 2 J/record, then a modelled candidate at 6 J/record: the
  // model is not a regression of the meter; there is no modelled history to compare with.
  HistoryBuilder h = Nights(14, 2.0, 0.02);
  AddCandidate(h, 14, 6.0, /*modelled=*/true);
  auto r = EvaluateGate(h.runs, h.nodes, Options(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->basis, Basis::kModelled);
  EXPECT_EQ(r->baseline_runs, 0u);
  EXPECT_EQ(r->other_basis_runs, 14u);
  EXPECT_FALSE(r->regression());
  EXPECT_TRUE(r->too_little_history());
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes[0].find("never compared"), std::string::npos);

  // With a modelled history too, the modelled candidate is compared with that alone.
  HistoryBuilder mixed = Nights(14, 2.0, 0.02);
  HistoryBuilder modelled = Nights(14, 5.9, 0.02, true, 9);
  for (auto& run : modelled.runs) run.run_id += "-m";
  for (auto& node : modelled.nodes) node.run_id += "-m";
  mixed.runs.insert(mixed.runs.end(), modelled.runs.begin(), modelled.runs.end());
  mixed.nodes.insert(mixed.nodes.end(), modelled.nodes.begin(), modelled.nodes.end());
  AddCandidate(mixed, 14, 6.0, true);
  auto m = EvaluateGate(mixed.runs, mixed.nodes, Options(), {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->baseline_runs, 14u);
  EXPECT_NEAR(*m->comparisons[0].baseline.median, 5.9, 5.9 * 0.03);
  EXPECT_EQ(m->comparisons[0].verdict, Verdict::kWithin);
}

TEST(Gate, BaselineIsTheWindowBeforeTheCandidate) {
  HistoryBuilder h = Nights(30, 2.0, 0.01);
  AddCandidate(h, 30, 2.0);
  auto r = EvaluateGate(h.runs, h.nodes, Options(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->baseline_runs, 14u);  // nights 16..29: 14 days before night 30
  GateOptions given = Options();
  given.run_id = "night-20";
  auto g = EvaluateGate(h.runs, h.nodes, given, {});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->candidate.run_id, "night-20");
  EXPECT_EQ(g->baseline_runs, 14u);
  given.run_id = "no-such-run";
  EXPECT_EQ(EvaluateGate(h.runs, h.nodes, given, {}).status().code(), Status::Code::kNotFound);
}

TEST(Gate, Gco2ePerNodeUsesTheRunsNodeCount) {
  HistoryBuilder h;
  for (int d = 0; d < 6; ++d) {
    h.AddRun(
        "p", "r" + std::to_string(d), kT0 + d * kDay,
        {{.node = "a", .total_j = 1, .gco2e = 1.0}, {.node = "b", .total_j = 1, .gco2e = 3.0}});
  }
  auto r = EvaluateGate(h.runs, h.nodes, Options(GateMetric::kGco2ePerNode), {});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r->comparisons[0].candidate, (1.0 + 3.0) / 2);
  EXPECT_DOUBLE_EQ(*r->comparisons[2].candidate, 3.0);
  EXPECT_FALSE(r->regression());
}

TEST(Waivers, BadFilesNameFileLineAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {"waivers:\n  - {metric: j_per_record, pipeline: p, reason: r, expires: 2025-13-01}\n",
       "w.yaml:2:61: waivers[0].expires"},
      {"waivers:\n  - {metric: joules, pipeline: p, reason: r, expires: 2025-12-01}\n",
       "w.yaml:2:14: waivers[0].metric"},
      {"waivers:\n  - {metric: j_per_record, reason: r, expires: 2025-12-01}\n",
       "w.yaml:2:5: waivers[0]: needs `pipeline`"},
      {"waivers:\n  - {metric: j_per_record, pipeline: p, expires: 2025-12-01}\n",
       "w.yaml:2:5: waivers[0].reason: missing"},
      {"waivers:\n  - {metric: j_per_record, pipeline: p, reason: r, expires: 2025-12-01, "
       "by: me}\n",
       "waivers[0].by: unknown key"},
  };
  for (const auto& [yaml, where] : cases) {
    auto w = ParseWaiverFile(yaml, "w.yaml");
    ASSERT_FALSE(w.ok()) << yaml;
    EXPECT_NE(w.status().message().find(where), std::string::npos) << w.status().message();
  }
}

}  // namespace
}  // namespace kfm::rollup
