#include "rollup/window.h"

#include <gtest/gtest.h>

namespace kfm::rollup {
namespace {

TEST(Window, ParsesEachUnit) {
  EXPECT_EQ(ParseWindow("30d", "--window")->count(), 30 * 86400);
  EXPECT_EQ(ParseWindow("2w", "--window")->count(), 14 * 86400);
  EXPECT_EQ(ParseWindow("12h", "--window")->count(), 12 * 3600);
  EXPECT_EQ(ParseWindow("90m", "--window")->count(), 90 * 60);
  EXPECT_EQ(ParseWindow("45s", "--window")->count(), 45);
  EXPECT_EQ(FormatWindow(std::chrono::seconds(14 * 86400)), "14d");
  EXPECT_EQ(FormatWindow(std::chrono::seconds(5400)), "90m");
}

TEST(Window, RejectsWhatIsNotAWindowNamingTheOption) {
  for (const char* bad : {"", "30", "d", "30x", "-3d", "0d", "3.5d", "999999999999w"}) {
    auto w = ParseWindow(bad, "--baseline");
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(w.status().message().find("--baseline"), std::string::npos);
  }
}

TEST(Threshold, PercentOrFraction) {
  EXPECT_DOUBLE_EQ(*ParseThreshold("10%", "--threshold"), 0.10);
  EXPECT_DOUBLE_EQ(*ParseThreshold("2.5%", "--threshold"), 0.025);
  EXPECT_DOUBLE_EQ(*ParseThreshold("0.1", "--threshold"), 0.1);
  for (const char* bad : {"", "%", "ten%", "-5%", "5%%"}) {
    EXPECT_FALSE(ParseThreshold(bad, "--threshold").ok()) << bad;
  }
}

}  // namespace
}  // namespace kfm::rollup
