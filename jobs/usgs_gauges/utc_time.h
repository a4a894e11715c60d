// Times of the usgs_gauges job: reading the ISO 8601 / RFC 3339 date-times the USGS services
// write (NWIS "2026-11-01T01:45:00.000-05:00", the Water Data API "2026-11-01T06:45:00+00:00")
// into UTC, and writing UTC back out. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace kfm::jobs::usgs {

using UtcTime = std::chrono::sys_time<std::chrono::milliseconds>;

// "YYYY-MM-DDTHH:MM[:SS[.fraction]]" followed by "Z" or a UTC offset "±HH:MM" (also "±HHMM",
// "±HH"); a space may stand for the "T". A time without a zone is refused: a gauge's local
// clock is ambiguous for an hour every autumn, and only the offset says which hour is meant.
// Fractions finer than a millisecond are truncated. On failure returns false and says why
// in `why`.
bool ParseUtcTime(std::string_view text, UtcTime* out, std::string* why);

// "2026-11-01T06:45:00Z"; with ".123" before the "Z" only when the milliseconds are not zero.
std::string FormatUtcTime(UtcTime time);

// "20261101T06Z": the UTC hour a time falls in, for dataset version names.
std::string FormatUtcHour(UtcTime time);

}  // namespace kfm::jobs::usgs
