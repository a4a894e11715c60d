// Regression (found by fuzz/node_report_fuzz.cc): repeated KFM_NODE_REPORT counts whose sum
// passes int64 overflowed (undefined behaviour; a negative records_out in practice). The line
// that would overflow is now a reported problem and the total so far is kept.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "pipeline/node_report.h"

namespace {

TEST(NodeReportOverflowTest, RepeatedCountsPastInt64MaxAreRefusedNotWrapped) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::string text = "records_out " + std::to_string(kMax) + "\nrecords_out 1\n" +
                           "bytes_out " + std::to_string(kMax / 2 + 1) + "\nbytes_out " +
                           std::to_string(kMax / 2 + 1) + "\nbytes_out 7\n";
  auto report = kfm::pipeline::ParseNodeReport(text, "report.txt");
  ASSERT_TRUE(report.records_out.has_value());
  EXPECT_EQ(*report.records_out, kMax);
  ASSERT_TRUE(report.bytes_out.has_value());
  // The second half would pass the maximum: refused; the later 7 still adds.
  EXPECT_EQ(*report.bytes_out, kMax / 2 + 1 + 7);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].rfind("report.txt:2: ", 0), 0u) << report.problems[0];
  EXPECT_NE(report.problems[0].find("records_out"), std::string::npos) << report.problems[0];
  EXPECT_EQ(report.problems[1].rfind("report.txt:4: ", 0), 0u) << report.problems[1];
}

}  // namespace
