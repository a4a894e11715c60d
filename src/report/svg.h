// Small building blocks of the report's hand-written SVG and HTML: escaping of every string that
// comes from data (node names, run ids and pipelines are user input), figures with a few
// significant digits, "nice" axis scales and short UTC time labels. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kfm::report {

// Escapes & < > " ' so that `text` is inert both as element content and inside a quoted
// attribute value, in HTML and in SVG.
std::string EscapeXml(std::string_view text);

// A figure for people: at most `significant` digits, no exponent between 1e-4 and 1e7, no
// trailing zeros ("0.00051", "370", "0.004", "1.2e-05"); "0" for zero.
std::string FormatFigure(double value, int significant = 3);

// A linear axis from 0 (or `min` when it is below 0; from about `min` itself without
// `include_zero`) to at least `max`, with 1-2-2.5-5 steps.
struct Scale {
  double lo = 0;
  double hi = 1;
  std::vector<double> ticks;  // lo, lo + step, ..., hi
};
Scale NiceScale(double min, double max, int target_ticks = 5, bool include_zero = true);

// "MM-DD HH:MM" (UTC) of Unix nanoseconds: the x labels of runs.
std::string ShortUtc(std::int64_t unix_nano);
// "HH:MM:SS" (UTC): labels of runs close together.
std::string ClockUtc(std::int64_t unix_nano);
// "YYYY-MM-DD HH:MM:SS UTC".
std::string LongUtc(std::int64_t unix_nano);

}  // namespace kfm::report
