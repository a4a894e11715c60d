#include "rollup/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace kfm::rollup {
namespace {

TEST(Stats, EmptyInputHasNoFigures) {
  const std::vector<double> none;
  EXPECT_FALSE(Mean(none));
  EXPECT_FALSE(Median(none));
  EXPECT_FALSE(Percentile(none, 90));
  EXPECT_FALSE(StdDev(none));
  EXPECT_FALSE(LinearTrend(std::vector<TimePoint>{}));
  const Summary s = Summarize(std::vector<TimePoint>{});
  EXPECT_EQ(s.count, 0u);
  EXPECT_FALSE(s.mean || s.median || s.p90 || s.stddev || s.min || s.max || s.trend);
}

TEST(Stats, MeanAndSampleStdDevMatchTheirDefinitions) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(0.5, 40.0);
  std::vector<double> v(101);
  for (double& x : v) x = dist(rng);
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  EXPECT_NEAR(*Mean(v), mean, 1e-12);
  EXPECT_NEAR(*StdDev(v), std::sqrt(ss / static_cast<double>(v.size() - 1)), 1e-12);
  EXPECT_FALSE(StdDev(std::vector<double>{3.0}));  // one value has no sample spread
}

// Definition 7 checked against a brute-force reading of it: rank h = (n-1) p, interpolate.
TEST(Stats, PercentileInterpolatesBetweenClosestRanks) {
  std::vector<double> v = {9, 1, 7, 3, 5, 10, 2, 8, 4, 6};  // 1..10, unsorted
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (double p : {0.0, 10.0, 25.0, 50.0, 90.0, 99.0, 100.0}) {
    const double h = (static_cast<double>(sorted.size()) - 1) * p / 100;
    const std::size_t lo = static_cast<std::size_t>(h);
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double expected = sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
    EXPECT_NEAR(*Percentile(v, p), expected, 1e-12) << "p=" << p;
  }
  // Odd count: the median is the middle value; even count: the mean of the middle two.
  EXPECT_DOUBLE_EQ(*Median(std::vector<double>{5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(*Median(v), (sorted[4] + sorted[5]) / 2);
  EXPECT_DOUBLE_EQ(*Percentile(v, 250), sorted.back());  // clamped
}

TEST(Stats, TrendRecoversAKnownLinePerDay) {
  const std::int64_t t0 = 1'764'547'200'000'000'000;  // 2025-12-01T00:00Z
  const double slope = 0.75;                          // units per day
  const double intercept = 12.0;
  std::vector<TimePoint> series;
  for (int i = 0; i < 30; ++i) {
    const double days = i * 0.5;
    // Symmetric jitter (+e, -e in pairs) leaves the least-squares line unchanged.
    const double jitter = (i % 2 == 0 ? 0.1 : -0.1);
    const auto t = t0 + static_cast<std::int64_t>(days * kNanosPerDay);
    series.push_back({t, intercept + slope * days + (i < 30 ? jitter : 0)});
  }
  auto trend = LinearTrend(series);
  ASSERT_TRUE(trend);
  EXPECT_EQ(trend->points, 30u);
  EXPECT_NEAR(trend->slope_per_day, slope, 0.01);
  EXPECT_NEAR(trend->intercept, intercept, 0.1);

  // Exact line: exact slope.
  std::vector<TimePoint> exact = {{t0, 1.0},
                                  {t0 + 2 * static_cast<std::int64_t>(kNanosPerDay), 5.0}};
  EXPECT_NEAR(LinearTrend(exact)->slope_per_day, 2.0, 1e-9);
  // All at one instant: no slope.
  EXPECT_FALSE(LinearTrend(std::vector<TimePoint>{{t0, 1}, {t0, 2}}));
}

TEST(Stats, SummaryCollectsEveryFigure) {
  const auto day = static_cast<std::int64_t>(kNanosPerDay);
  std::vector<TimePoint> series = {{0, 4}, {day / 2, 2}, {day, 9}};
  const Summary s = Summarize(series);
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(*s.mean, 5);
  EXPECT_DOUBLE_EQ(*s.median, 4);
  EXPECT_DOUBLE_EQ(*s.min, 2);
  EXPECT_DOUBLE_EQ(*s.max, 9);
  EXPECT_DOUBLE_EQ(*s.p90, *Percentile(Values(series), 90));
  EXPECT_TRUE(s.trend);
  EXPECT_DOUBLE_EQ(s.trend->span_days, 1.0);
  const Summary minutes = Summarize(std::vector<TimePoint>{{0, 1}, {60'000'000'000, 5}});
  ASSERT_TRUE(minutes.trend);
  EXPECT_LT(minutes.trend->span_days, kMinTrendSpanDays);
}

}  // namespace
}  // namespace kfm::rollup
