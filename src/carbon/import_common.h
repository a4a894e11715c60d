// What the three carbon importers share: reading files, a streaming CSV reader (quotes,
// CRLF, UTF-8 BOM), time and number parsing, line numbers for JSON array elements, the
// choice of region and the collection of rows with duplicate checks. Internal to
// src/carbon/; the public entry point is carbon/importers.h. Plain functions and values,
// thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carbon/importers.h"
#include "carbon/table.h"
#include "kfm/status.h"

namespace kfm::carbon::import_internal {

// The per-format importers, called by ImportFiles.
Result<ImportedTable> ImportElectricityMaps(const ImportRequest& request);
Result<ImportedTable> ImportEia930(const ImportRequest& request);
Result<ImportedTable> ImportCarbonAware(const ImportRequest& request);

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

// Where a value came from, for messages.
struct Place {
  std::string file;
  int line = 0;
  [[nodiscard]] std::string str() const { return file + ":" + std::to_string(line); }
};

// The region to import: `requested` (matched without regard to case, returned as the file
// spells it) or, when empty, the only one seen. `seen` maps each region to its first place.
Result<std::string> ChooseRegion(const std::map<std::string, Place>& seen,
                                 const std::string& requested, std::string_view field);

// Rows of one region and resolution, keyed by start. A second value for a start is dropped
// when identical and refused, naming both places, when not.
class RowCollector {
 public:
  RowCollector(std::string region, Resolution resolution)
      : region_(std::move(region)), resolution_(resolution) {}
  Status Add(int64_t start_s, double gco2e_per_kwh, const Place& place, std::string_view field);
  [[nodiscard]] size_t size() const { return values_.size(); }
  [[nodiscard]] int identical_duplicates() const { return identical_duplicates_; }
  [[nodiscard]] std::vector<Row> Rows() const;
  [[nodiscard]] std::optional<std::pair<int64_t, int64_t>> Span() const;  // first, last start

 private:
  struct Entry {
    double value;
    Place place;
  };
  std::string region_;
  Resolution resolution_;
  std::map<int64_t, Entry> values_;
  int identical_duplicates_ = 0;
};

// Places of skipped hours, summarised in one note: "<what>: 3 (a.csv:5, a.csv:9, b.csv:2)"
// (file names without their directories: the note goes into the table's metadata).
class SkipList {
 public:
  void Add(const Place& place) {
    if (places_.size() < kShown) {
      places_.push_back(std::filesystem::path(place.file).filename().string() + ":" +
                        std::to_string(place.line));
    }
    ++count_;
  }
  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] std::string Note(const std::string& what) const;

 private:
  static constexpr size_t kShown = 8;
  std::vector<std::string> places_;
  int count_ = 0;
};

// "electricitymaps-" + "US-CENT-SWPP" -> "electricitymaps-us-cent-swpp": lower case, any
// character outside [a-z0-9._-] as '-'.
std::string TableId(std::string_view prefix, std::string_view provider_code);
// `note` as a sentence for TableMeta::notes: capital first letter, full stop.
std::string AsSentence(const std::string& note);
// "a.csv, b.csv" (file names only).
std::string FileNames(const std::vector<std::filesystem::path>& files);
// A region code the values file can hold: not empty, no comma, quote or control character.
bool ValidRegionCode(std::string_view code);

}  // namespace kfm::carbon::import_internal
