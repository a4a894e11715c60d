// Descriptive statistics over the figures rollups, SLOs and the gate steer by: mean, median,
// percentile, standard deviation and a least-squares trend over (time, value) points. Pure
// functions of their arguments; thread-safe. Empty input gives std::nullopt, never NaN, so a
// caller cannot print a figure it does not have.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kfm::rollup {

inline constexpr double kNanosPerDay = 86400.0 * 1e9;

// One observation of a series: when (Unix nanoseconds) and what.
struct TimePoint {
  std::int64_t unix_nano = 0;
  double value = 0;
};

// Arithmetic mean.
std::optional<double> Mean(std::span<const double> values);

// The p-th percentile, 0 <= p <= 100, by linear interpolation between closest ranks: sort,
// take rank h = (n - 1) * p / 100 and interpolate between the values at floor(h) and ceil(h).
// This is Hyndman & Fan's definition 7, the default of numpy.percentile, R's quantile() and
// spreadsheets' PERCENTILE.INC. p outside [0, 100] is clamped.
std::optional<double> Percentile(std::span<const double> values, double p);

// Percentile(values, 50).
std::optional<double> Median(std::span<const double> values);

// Sample standard deviation (divides by n - 1, Bessel's correction); needs two values.
std::optional<double> StdDev(std::span<const double> values);

// A least-squares straight line through (days since the first point, value).
struct Trend {
  double slope_per_day = 0;  // value units per day
  double intercept = 0;      // fitted value at the earliest point's time
  std::size_t points = 0;
  double span_days = 0;  // from the earliest point to the latest
};
// Needs at least two points at two different times.
std::optional<Trend> LinearTrend(std::span<const TimePoint> series);

// A slope per day fitted to minutes of points extrapolates noise: readable summaries show a
// trend only when its points span at least this many days (the documents always carry it).
inline constexpr double kMinTrendSpanDays = 1.0;

// The summary printed for a baseline: all of the above over one series.
struct Summary {
  std::size_t count = 0;
  std::optional<double> mean;
  std::optional<double> median;
  std::optional<double> p90;
  std::optional<double> stddev;
  std::optional<double> min;
  std::optional<double> max;
  std::optional<Trend> trend;
};
Summary Summarize(std::span<const TimePoint> series);

// The values of a series, in order.
std::vector<double> Values(std::span<const TimePoint> series);

}  // namespace kfm::rollup
