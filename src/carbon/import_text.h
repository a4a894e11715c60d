// Reading the importers' input text: files, a streaming CSV reader (quotes, CRLF, UTF-8 BOM),
// header names, numbers and times as the providers write them, and line numbers for JSON
// array elements; refusals as "file:line: field 'X': what". Internal to src/carbon/. Plain
// functions and values, thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::carbon::import_internal {

inline constexpr int64_t kHourS = 3600;
inline constexpr int64_t kDayS = 86400;

// The whole file; IoError naming the path when it cannot be read.
Result<std::string> ReadFileText(const std::filesystem::path& path);

// InvalidArgument "<file>:<line>: field '<field>': <what>" (line 0 and empty field left out).
Status FieldError(const std::string& file, int line, std::string_view field,
                  const std::string& what);

// RFC 4180 CSV, one record at a time: quoted fields with "" escapes and embedded commas or
// line breaks, LF or CRLF line ends, a leading UTF-8 BOM; blank lines are skipped and
// unquoted fields trimmed of spaces and tabs. `line` is where the record starts.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string file_name);
  // False at the end or on an error (then `status()` is not OK).
  bool Next();
  [[nodiscard]] const std::vector<std::string>& fields() const { return fields_; }
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] const Status& status() const { return status_; }

 private:
  std::string_view text_;
  std::string file_name_;
  size_t pos_ = 0;
  int next_line_ = 1;
  int line_ = 0;
  std::vector<std::string> fields_;
  Status status_;
};

// ASCII case-insensitive equality.
bool EqualsNoCase(std::string_view a, std::string_view b);

// Header name as matched: ASCII lower case, "₂" as "2", runs of white space as one space,
// trimmed.
std::string NormalizeHeader(std::string_view name);

// A finite number; with `thousands`, commas between digits are allowed ("1,234.5").
bool ParseNumber(std::string_view text, bool thousands, double* out);

// Days since 1970-01-01 of a proleptic Gregorian date (no range check).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// The UTC calendar year and whether `unix_s` is 1 January 00:00:00 UTC.
bool IsYearStart(int64_t unix_s);
int64_t NextYearStart(int64_t unix_s);

// ISO-8601-like times: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.000]]" or with "T", with an
// optional "Z", "UTC", "±HH", "±HHMM" or "±HH:MM"; a time without a zone is UTC. Fractions of
// a second must be zero.
bool ParseIsoTime(std::string_view text, int64_t* unix_s);
// EIA-930 bulk files: "M/D/YYYY H:MM:SS AM|PM" (or 24-hour without AM/PM); UTC.
bool ParseUsTime(std::string_view text, int64_t* unix_s);

// The line of each element of the JSON array found at `path` (object keys, compared without
// regard to case; an empty path means a top-level array), in order. `text` must be valid
// JSON. Used only to put line numbers into messages.
std::vector<int> JsonArrayElementLines(std::string_view text, const std::vector<std::string>& path);
// 1-based line of a byte offset.
int LineOfOffset(std::string_view text, size_t offset);

}  // namespace kfm::carbon::import_internal
