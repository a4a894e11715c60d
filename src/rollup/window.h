// The command-line quantities of rollup, slo and gate: time windows ("30d", "14d", "12h",
// "2w") and thresholds ("10%", "0.1"). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "kfm/status.h"

namespace kfm::rollup {

// "<positive integer><unit>" with unit s, m, h, d or w. InvalidArgument naming `option`.
Result<std::chrono::seconds> ParseWindow(std::string_view text, std::string_view option);

// "10%" -> 0.10; a bare number is a fraction ("0.1" -> 0.10). Must be >= 0.
Result<double> ParseThreshold(std::string_view text, std::string_view option);

// "30d", "36h", "90m", "45s": the largest unit that divides the window exactly.
std::string FormatWindow(std::chrono::seconds window);

// Nanoseconds since the Unix epoch now (system clock).
std::int64_t NowUnixNano();

}  // namespace kfm::rollup
