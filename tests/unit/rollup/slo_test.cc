#include "rollup/slo.h"

#include <gtest/gtest.h>

#include "history_builder.h"

namespace kfm::rollup {
namespace {

using test_history::HistoryBuilder;
using test_history::kDay;
using test_history::kT0;

BudgetFile Budget(const char* yaml) {
  auto b = ParseBudgetFile(yaml, "budgets.yaml");
  EXPECT_TRUE(b.ok()) << b.status().message();
  return b.ok() ? b.value() : BudgetFile{};
}

SloOptions Window() { return {kT0, kT0 + 30 * kDay, ""}; }

TEST(Slo, NewestRunOverBudgetIsExceeded) {
  HistoryBuilder h;
  h.AddRun("nightly", "old", kT0 + kDay, {{.node = "a", .total_j = 10, .gco2e = 9.0}});
  h.AddRun("nightly", "new", kT0 + 2 * kDay,
           {{.node = "a", .total_j = 10, .gco2e = 4.0}, {.node = "b", .total_j = 5, .gco2e = 2.5}});
  auto r = EvaluateSlo(Budget("budgets:\n  nightly:\n    gco2e_per_run: 5.0\n"), h.runs, h.nodes,
                       Window());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pipelines.size(), 1u);
  EXPECT_EQ(r->pipelines[0].run->run.run_id, "new");
  EXPECT_DOUBLE_EQ(*r->pipelines[0].checks[0].actual, 4.0 + 2.5);
  EXPECT_TRUE(r->exceeded());
  EXPECT_NE(FormatSloReport(*r).find("EXCEEDED gco2e_per_run: 6.5 gCO2e vs budget 5 gCO2e"),
            std::string::npos)
      << FormatSloReport(*r);
}

TEST(Slo, WithinBudgetAndPerRecordTargets) {
  HistoryBuilder h;
  h.AddRun("nightly", "r1", kT0 + kDay,
           {{.node = "a", .total_j = 300, .gco2e = 0.03, .records = 1000},
            {.node = "b", .total_j = 100, .gco2e = 0.01, .records = 1000}});
  auto r = EvaluateSlo(
      Budget("budgets:\n  nightly:\n    j_per_record: 0.25\n    gco2e_per_record: 0.00002\n"),
      h.runs, h.nodes, Window());
  ASSERT_TRUE(r.ok());
  const auto& checks = r->pipelines[0].checks;
  EXPECT_DOUBLE_EQ(*checks[0].actual, 400.0 / 2000);
  EXPECT_FALSE(checks[0].exceeded);
  EXPECT_DOUBLE_EQ(*checks[1].actual, 0.04 / 2000);
  EXPECT_FALSE(checks[1].exceeded);
  EXPECT_FALSE(r->exceeded());
}

TEST(Slo, GivenRunAndPipelinesWithoutRuns) {
  HistoryBuilder h;
  h.AddRun("nightly", "r1", kT0 + kDay, {{.node = "a", .total_j = 10, .gco2e = 7}});
  h.AddRun("nightly", "r2", kT0 + 2 * kDay, {{.node = "a", .total_j = 10, .gco2e = 1}});
  const BudgetFile b =
      Budget("budgets:\n  nightly: {gco2e_per_run: 5}\n  hourly: {j_per_run: 1}\n");
  auto all = EvaluateSlo(b, h.runs, h.nodes, Window());
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->exceeded());
  EXPECT_FALSE(all->pipelines[1].run);  // hourly: no run
  EXPECT_NE(FormatSloReport(*all).find("hourly: no run in the window"), std::string::npos);
  SloOptions given = Window();
  given.run_id = "r1";
  auto r1 = EvaluateSlo(b, h.runs, h.nodes, given);
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1->exceeded());
  given.run_id = "nope";
  EXPECT_EQ(EvaluateSlo(b, h.runs, h.nodes, given).status().code(), Status::Code::kNotFound);
}

TEST(Slo, PerRecordTargetWithoutRecordsIsUnknownNotPassed) {
  HistoryBuilder h;
  h.AddRun("nightly", "r1", kT0 + kDay, {{.node = "a", .total_j = 10, .gco2e = 7}});
  auto r =
      EvaluateSlo(Budget("budgets:\n  nightly: {j_per_record: 1}\n"), h.runs, h.nodes, Window());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->pipelines[0].checks[0].actual);
  EXPECT_NE(FormatSloReport(*r).find("unknown"), std::string::npos);
}

}  // namespace
}  // namespace kfm::rollup
