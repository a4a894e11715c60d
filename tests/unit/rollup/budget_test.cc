#include "rollup/budget.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace kfm::rollup {
namespace {

TEST(BudgetFile, ReadsTheDocumentedExample) {
  auto file = ParseBudgetFile(R"(# budgets.yaml
budgets:
  nightly:                # pipeline name (kfm.pipeline)
    gco2e_per_run: 5.0    # any of: gco2e_per_run, j_per_run, gco2e_per_record, j_per_record
    j_per_record: 0.25
  hourly:
    j_per_run: 1e4
)",
                              "budgets.yaml");
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->pipelines.size(), 2u);
  EXPECT_EQ(file->pipelines[0].pipeline, "nightly");
  ASSERT_EQ(file->pipelines[0].targets.size(), 2u);
  EXPECT_EQ(file->pipelines[0].targets[0].metric, BudgetMetric::kGco2ePerRun);
  EXPECT_DOUBLE_EQ(file->pipelines[0].targets[0].limit, 5.0);
  EXPECT_EQ(file->pipelines[0].targets[0].line, 4);
  EXPECT_EQ(file->pipelines[0].targets[1].metric, BudgetMetric::kJPerRecord);
  EXPECT_EQ(file->pipelines[1].targets[0].metric, BudgetMetric::kJPerRun);
  EXPECT_DOUBLE_EQ(file->pipelines[1].targets[0].limit, 1e4);
}

struct BadCase {
  const char* yaml;
  const char* where;  // "file:line:column: field"
  const char* what;   // part of the reason
};

TEST(BudgetFile, BadFilesNameFileLineColumnAndField) {
  const BadCase cases[] = {
      {"budgets:\n  nightly:\n    gco2e_per_rn: 5\n", "b.yaml:3:5: budgets.nightly.gco2e_per_rn",
       "unknown target"},
      {"budgets:\n  nightly:\n    gco2e_per_run: five\n",
       "b.yaml:3:20: budgets.nightly.gco2e_per_run", "expected a number"},
      {"budgets:\n  nightly:\n    gco2e_per_run: \"5\"\n",
       "b.yaml:3:20: budgets.nightly.gco2e_per_run", "expected a number"},
      {"budgets:\n  nightly:\n    j_per_run: -1\n", "b.yaml:3:16: budgets.nightly.j_per_run",
       "negative"},
      {"budgets:\n  nightly:\n    j_per_run:\n", "b.yaml:3:5: budgets.nightly.j_per_run",
       "expected a number"},
      {"budget:\n  nightly: {j_per_run: 1}\n", "b.yaml:1:1: budget", "unknown key"},
      {"budgets:\n  nightly:\n", "b.yaml:2:3: budgets.nightly", "at least one"},
      {"budgets: [1, 2]\n", "b.yaml:1:10: budgets", "expected a map"},
      {"- 1\n", "b.yaml:1:1: (top level)", "expected a map"},
      {"budgets:\n  nightly: {j_per_run: [1}\n", "b.yaml:", "syntax"},
  };
  for (const auto& c : cases) {
    auto file = ParseBudgetFile(c.yaml, "b.yaml");
    ASSERT_FALSE(file.ok()) << c.yaml;
    EXPECT_EQ(file.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(file.status().message().find(c.where), std::string::npos)
        << c.yaml << " -> " << file.status().message();
    EXPECT_NE(file.status().message().find(c.what), std::string::npos)
        << c.yaml << " -> " << file.status().message();
  }
}

TEST(BudgetFile, LoadsFromDiskAndReportsAMissingFile) {
  testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "budgets.yaml";
  std::ofstream(path) << "budgets:\n  nightly:\n    gco2e_per_record: 0.002\n";
  auto file = LoadBudgetFile(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->pipelines[0].targets[0].metric, BudgetMetric::kGco2ePerRecord);
  auto missing = LoadBudgetFile(std::filesystem::path(dir.path()) / "nope.yaml");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.yaml"), std::string::npos);
}

}  // namespace
}  // namespace kfm::rollup
