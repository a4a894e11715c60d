#include "utc_time.h"

#include <gtest/gtest.h>

namespace kfm::jobs::usgs {
namespace {

using namespace std::chrono;

UtcTime At(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0, int ms = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss} +
         milliseconds{ms};
}

UtcTime Parse(const std::string& text) {
  UtcTime time;
  std::string why;
  EXPECT_TRUE(ParseUtcTime(text, &time, &why)) << text << ": " << why;
  return time;
}

std::string Refusal(const std::string& text) {
  UtcTime time;
  std::string why;
  EXPECT_FALSE(ParseUtcTime(text, &time, &why)) << text;
  return why;
}

TEST(UtcTime, NwisOffsetsAcrossTheEndOfDaylightSavingTime) {
  // Central time on 2026-11-01: 01:45 CDT (-05:00) is 06:45 UTC; the clock then goes back and
  // 01:00 CST (-06:00) is 07:00 UTC, later although it reads earlier.
  EXPECT_EQ(Parse("2026-11-01T01:45:00.000-05:00"), At(2026, 11, 1, 6, 45));
  EXPECT_EQ(Parse("2026-11-01T01:00:00.000-06:00"), At(2026, 11, 1, 7, 0));
  EXPECT_LT(Parse("2026-11-01T01:45:00.000-05:00"), Parse("2026-11-01T01:00:00.000-06:00"));
}

TEST(UtcTime, OffsetCrossesMidnightAndMonthEnd) {
  EXPECT_EQ(Parse("2026-11-30T22:15:00.000-06:00"), At(2026, 12, 1, 4, 15));
  EXPECT_EQ(Parse("2026-01-01T00:30:00+05:30"), At(2025, 12, 31, 19, 0));
}

TEST(UtcTime, WaterDataApiAndOtherSpellings) {
  EXPECT_EQ(Parse("2026-11-01T06:45:00+00:00"), At(2026, 11, 1, 6, 45));
  EXPECT_EQ(Parse("2026-11-01T06:45:00Z"), At(2026, 11, 1, 6, 45));
  EXPECT_EQ(Parse("2026-11-01 06:45Z"), At(2026, 11, 1, 6, 45));
  EXPECT_EQ(Parse("2026-11-01T06:45:00.25-0600"), At(2026, 11, 1, 12, 45, 0, 250));
  EXPECT_EQ(Parse("2026-11-01T06:45:00.123456+00"), At(2026, 11, 1, 6, 45, 0, 123));
}

TEST(UtcTime, RefusesTimesWithoutAZoneAndImpossibleOnes) {
  EXPECT_NE(Refusal("2026-11-01T01:30:00").find("no UTC offset"), std::string::npos);
  EXPECT_NE(Refusal("2026-02-30T01:30:00Z").find("no such date"), std::string::npos);
  EXPECT_NE(Refusal("2026-11-01T24:00:00Z").find("no such time"), std::string::npos);
  EXPECT_FALSE(Refusal("2026-11-01").empty());
  EXPECT_FALSE(Refusal("11/01/2026 01:30").empty());
  EXPECT_FALSE(Refusal("2026-11-01T01:30:00+19:00").empty());
  EXPECT_FALSE(Refusal("2026-11-01T01:30:00Z trailing").empty());
  EXPECT_FALSE(Refusal("").empty());
}

TEST(UtcTime, Formats) {
  EXPECT_EQ(FormatUtcTime(At(2026, 11, 1, 7, 0)), "2026-11-01T07:00:00Z");
  EXPECT_EQ(FormatUtcTime(At(2026, 11, 1, 7, 0, 5, 20)), "2026-11-01T07:00:05.020Z");
  EXPECT_EQ(FormatUtcHour(At(2026, 11, 1, 7, 59, 59)), "20261101T07Z");
}

}  // namespace
}  // namespace kfm::jobs::usgs
