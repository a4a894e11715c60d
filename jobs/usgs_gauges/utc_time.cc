#include "utc_time.h"

#include <cstdio>

namespace kfm::jobs::usgs {
namespace {

// Reads exactly `digits` decimal digits at `*pos`.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int* out) {
  if (*pos + digits > text.size()) return false;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += digits;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool Fail(std::string* why, const char* what) {
  if (why != nullptr) *why = what;
  return false;
}

}  // namespace

bool ParseUtcTime(std::string_view text, UtcTime* out, std::string* why) {
  using namespace std::chrono;
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return Fail(why, "expected a date YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return Fail(why, "expected a time after the date (YYYY-MM-DDTHH:MM:SS with a UTC offset)");
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute)) {
    return Fail(why, "expected a time HH:MM[:SS]");
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadDigits(text, &pos, 2, &second)) return Fail(why, "expected seconds SS");
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      int digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return Fail(why, "expected digits after the decimal point");
      for (int i = digits; i < 3; ++i) millis *= 10;
    }
  }
  const year_month_day date{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                            std::chrono::day{unsigned(day)}};
  if (!date.ok()) return Fail(why, "no such date");
  if (hour > 23 || minute > 59 || second > 59) return Fail(why, "no such time of day");
  if (pos >= text.size())
    return Fail(why, "no UTC offset (Z or +HH:MM): local time is ambiguous across DST");
  int offset_minutes = 0;
  const char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    ++pos;
  } else if (zone == '+' || zone == '-') {
    ++pos;
    int offset_hours = 0, offset_mins = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hours)) return Fail(why, "expected an offset ±HH:MM");
    if (pos < text.size()) {
      if (text[pos] == ':') ++pos;
      if (!ReadDigits(text, &pos, 2, &offset_mins)) return Fail(why, "expected offset minutes");
    }
    if (offset_hours > 18 || offset_mins > 59) return Fail(why, "UTC offset out of range");
    offset_minutes = (offset_hours * 60 + offset_mins) * (zone == '-' ? -1 : 1);
  } else {
    return Fail(why, "expected Z or a UTC offset ±HH:MM after the time");
  }
  if (pos != text.size()) return Fail(why, "unexpected text after the UTC offset");
  const auto local =
      sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis};
  // Local time = UTC + offset, so UTC = local - offset.
  *out = local - minutes{offset_minutes};
  return true;
}

std::string FormatUtcTime(UtcTime time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};
  char buffer[40];
  const long long millis = clock.subseconds().count();
  if (millis == 0) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()),
                  static_cast<long long>(clock.hours().count()),
                  static_cast<long long>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()));
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  int(date.year()), unsigned(date.month()), unsigned(date.day()),
                  static_cast<long long>(clock.hours().count()),
                  static_cast<long long>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()), millis);
  }
  return buffer;
}

std::string FormatUtcHour(UtcTime time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const auto hour = floor<hours>(time - day).count();
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02lldZ", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), static_cast<long long>(hour));
  return buffer;
}

}  // namespace kfm::jobs::usgs
