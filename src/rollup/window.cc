#include "rollup/window.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace kfm::rollup {

Result<std::chrono::seconds> ParseWindow(std::string_view text, std::string_view option) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(option) + ": '" + std::string(text) +
                                   "': " + std::string(why) + " (examples: 30d, 14d, 12h, 2w)");
  };
  if (text.size() < 2) return bad("expected a number and a unit s, m, h, d or w");
  const char unit = text.back();
  std::int64_t per = 0;
  switch (unit) {
    case 's':
      per = 1;
      break;
    case 'm':
      per = 60;
      break;
    case 'h':
      per = 3600;
      break;
    case 'd':
      per = 86400;
      break;
    case 'w':
      per = 7 * 86400;
      break;
    default:
      return bad("unknown unit; use s, m, h, d or w");
  }
  std::int64_t count = 0;
  const std::string_view digits = text.substr(0, text.size() - 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    return bad("expected a whole number before the unit");
  }
  if (count <= 0) return bad("must be positive");
  if (count > std::int64_t{100} * 365 * 86400 / per) return bad("longer than 100 years");
  return std::chrono::seconds(count * per);
}

Result<double> ParseThreshold(std::string_view text, std::string_view option) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(option) + ": '" + std::string(text) +
                                   "': " + std::string(why) + " (examples: 10%, 2.5%, 0.1)");
  };
  const bool percent = !text.empty() && text.back() == '%';
  const std::string_view number = percent ? text.substr(0, text.size() - 1) : text;
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() ||
      !std::isfinite(value)) {
    return bad("expected a percentage or a fraction");
  }
  if (value < 0) return bad("must not be negative");
  return percent ? value / 100.0 : value;
}

std::string FormatWindow(std::chrono::seconds window) {
  const std::int64_t s = window.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::int64_t NowUnixNano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kfm::rollup
