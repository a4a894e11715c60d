#include "report/svg.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace kfm::report {

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatFigure(double value, int significant) {
  if (!std::isfinite(value)) return "n/a";
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  char buffer[64];
  if (magnitude >= 1e-4 && magnitude < 1e7) {
    const int digits_before = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
    const int decimals = std::max(0, significant - digits_before);
    std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
    std::string text = buffer;
    if (text.find('.') != std::string::npos) {  // 0.004000 -> 0.004, 2.50 -> 2.5
      text.erase(text.find_last_not_of('0') + 1);
      if (text.back() == '.') text.pop_back();
    }
    return text;
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.*e", std::max(0, significant - 1), value);
    std::string text = buffer;  // 6.000e-05 -> 6e-05, 1.250e+08 -> 1.25e+08
    const std::size_t e = text.find('e');
    std::string mantissa = text.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
      mantissa.erase(mantissa.find_last_not_of('0') + 1);
      if (mantissa.back() == '.') mantissa.pop_back();
    }
    return mantissa + text.substr(e);
  }
}

Scale NiceScale(double min, double max, int target_ticks, bool include_zero) {
  Scale scale;
  double lo = include_zero ? std::min(0.0, min) : min;
  double hi = std::max(max, lo);
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi - lo <= 0) hi = lo + (lo == 0 ? 1 : std::fabs(lo));
  const double raw_step = (hi - lo) / std::max(1, target_ticks);
  const double power = std::pow(10.0, std::floor(std::log10(raw_step)));
  double step = power;
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = factor * power;
    if (step >= raw_step) break;
  }
  scale.lo = std::floor(lo / step) * step;
  scale.hi = std::ceil(hi / step - 1e-9) * step;
  for (int i = 0; scale.lo + i * step <= scale.hi + step * 1e-6; ++i) {
    scale.ticks.push_back(scale.lo + i * step);
  }
  return scale;
}

namespace {
std::string FormatTime(std::int64_t unix_nano, const char* format) {
  const std::time_t seconds = static_cast<std::time_t>(unix_nano / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), format, &tm);
  return buffer;
}
}  // namespace

std::string ShortUtc(std::int64_t unix_nano) { return FormatTime(unix_nano, "%m-%d %H:%M"); }

std::string ClockUtc(std::int64_t unix_nano) { return FormatTime(unix_nano, "%H:%M:%S"); }

std::string LongUtc(std::int64_t unix_nano) {
  return FormatTime(unix_nano, "%Y-%m-%d %H:%M:%S UTC");
}

}  // namespace kfm::report
