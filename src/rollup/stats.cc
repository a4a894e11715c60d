#include "rollup/stats.h"

#include <algorithm>
#include <cmath>

namespace kfm::rollup {

std::optional<double> Mean(std::span<const double> values) {
  if (values.empty()) return std::nullopt;
  // Kahan summation: a month of per-node joules spans many orders of magnitude.
  double sum = 0;
  double carry = 0;
  for (double v : values) {
    const double y = v - carry;
    const double t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
  return sum / static_cast<double>(values.size());
}

std::optional<double> Percentile(std::span<const double> values, double p) {
  if (values.empty()) return std::nullopt;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  p = std::clamp(p, 0.0, 100.0);
  const double h = static_cast<double>(sorted.size() - 1) * p / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = static_cast<std::size_t>(std::ceil(h));
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::optional<double> Median(std::span<const double> values) { return Percentile(values, 50); }

std::optional<double> StdDev(std::span<const double> values) {
  if (values.size() < 2) return std::nullopt;
  const double mean = *Mean(values);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

std::optional<Trend> LinearTrend(std::span<const TimePoint> series) {
  if (series.size() < 2) return std::nullopt;
  std::int64_t t0 = series.front().unix_nano;
  for (const auto& point : series) t0 = std::min(t0, point.unix_nano);
  // Centred sums keep the arithmetic well conditioned for nanosecond timestamps.
  const double n = static_cast<double>(series.size());
  double mean_x = 0;
  double mean_y = 0;
  for (const auto& point : series) {
    mean_x += static_cast<double>(point.unix_nano - t0) / kNanosPerDay;
    mean_y += point.value;
  }
  mean_x /= n;
  mean_y /= n;
  double sxx = 0;
  double sxy = 0;
  for (const auto& point : series) {
    const double dx = static_cast<double>(point.unix_nano - t0) / kNanosPerDay - mean_x;
    sxx += dx * dx;
    sxy += dx * (point.value - mean_y);
  }
  if (sxx <= 0) return std::nullopt;  // every point at the same time: no slope
  Trend trend;
  trend.slope_per_day = sxy / sxx;
  trend.intercept = mean_y - trend.slope_per_day * mean_x;
  trend.points = series.size();
  std::int64_t t1 = t0;
  for (const auto& point : series) t1 = std::max(t1, point.unix_nano);
  trend.span_days = static_cast<double>(t1 - t0) / kNanosPerDay;
  return trend;
}

std::vector<double> Values(std::span<const TimePoint> series) {
  std::vector<double> values;
  values.reserve(series.size());
  for (const auto& point : series) values.push_back(point.value);
  return values;
}

Summary Summarize(std::span<const TimePoint> series) {
  const std::vector<double> values = Values(series);
  Summary summary;
  summary.count = values.size();
  summary.mean = Mean(values);
  summary.median = Median(values);
  summary.p90 = Percentile(values, 90);
  summary.stddev = StdDev(values);
  if (!values.empty()) {
    summary.min = *std::min_element(values.begin(), values.end());
    summary.max = *std::max_element(values.begin(), values.end());
  }
  summary.trend = LinearTrend(series);
  return summary;
}

}  // namespace kfm::rollup
