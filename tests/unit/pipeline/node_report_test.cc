#include "pipeline/node_report.h"

#include <gtest/gtest.h>

namespace kfm::pipeline {
namespace {

TEST(NodeReportTest, SumsCountsAndCollectsDatasets) {
  const std::string sha(64, 'a');
  auto r = ParseNodeReport(
      "records_out 10\nbytes_out 5\n\nrecords_out 32\n# comment\ndataset hrrr 2026-11-25 "
      "file:///d/hrrr " +
          sha + "\n",
      "report.txt");
  EXPECT_EQ(r.records_out, 42);
  EXPECT_EQ(r.bytes_out, 5);
  ASSERT_EQ(r.datasets.size(), 1u);
  EXPECT_EQ(r.datasets[0].uri, "file:///d/hrrr");
  EXPECT_TRUE(r.problems.empty());
}

TEST(NodeReportTest, BadLinesNameFileAndLine) {
  auto r = ParseNodeReport(
      "records_out ten\nrecords_out -1\nfoo 1\ndataset a b c nothex\nbytes_out 1 2\n", "r.txt");
  EXPECT_FALSE(r.records_out.has_value());
  ASSERT_EQ(r.problems.size(), 5u);
  EXPECT_EQ(r.problems[0].rfind("r.txt:1: ", 0), 0u) << r.problems[0];
  EXPECT_EQ(r.problems[2].rfind("r.txt:3: unknown key 'foo'", 0), 0u) << r.problems[2];
  EXPECT_EQ(r.problems[3].rfind("r.txt:4:", 0), 0u);
}

TEST(NodeReportTest, EmptyAndMissingAreEmpty) {
  EXPECT_FALSE(ParseNodeReport("", "x").records_out.has_value());
  EXPECT_TRUE(ReadNodeReport("/nonexistent/kfm/report").problems.empty());
}

}  // namespace
}  // namespace kfm::pipeline
