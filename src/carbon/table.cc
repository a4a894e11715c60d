#include "carbon/table.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "otel/bundle.h"

namespace kfm::carbon {
namespace {

constexpr std::array<std::string_view, 4> kColumns = {"region", "start", "resolution",
                                                      "gco2e_per_kwh"};
constexpr std::array<std::string_view, 8> kMetaFields = {
    "id", "version", "source", "licence", "retrieved", "basis", "scope", "notes"};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

// Splits `line` at commas into `fields` (trimmed); returns the count, or kMaxFields + 1 when
// there are more fields than a table can have.
constexpr size_t kMaxFields = 8;
size_t SplitCommas(std::string_view line, std::array<std::string_view, kMaxFields>& fields) {
  size_t count = 0;
  size_t begin = 0;
  for (;;) {
    const size_t comma = line.find(',', begin);
    if (count == kMaxFields) return kMaxFields + 1;
    fields[count++] = Trim(line.substr(begin, comma - begin));
    if (comma == std::string_view::npos) return count;
    begin = comma + 1;
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days algorithm's inverse).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The calendar year of a day number.
int64_t YearOfDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

struct UtcParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t unix_s = 0;
};

// YYYY-MM-DDTHH:MM:SSZ, every field in range (no 2026-02-30, no leap second).
bool ParseUtcParts(std::string_view text, UtcParts* out) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return false;
  }
  auto number = [&](size_t pos, size_t len, int* value) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *value = v;
    return true;
  };
  UtcParts p;
  if (!number(0, 4, &p.year) || !number(5, 2, &p.month) || !number(8, 2, &p.day) ||
      !number(11, 2, &p.hour) || !number(14, 2, &p.minute) || !number(17, 2, &p.second)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (p.year % 4 == 0 && p.year % 100 != 0) || p.year % 400 == 0;
  if (p.month < 1 || p.month > 12 || p.day < 1 ||
      p.day > kDays[p.month - 1] + (p.month == 2 && leap) || p.hour > 23 || p.minute > 59 ||
      p.second > 59) {
    return false;
  }
  p.unix_s =
      DaysFromCivil(p.year, p.month, p.day) * 86400 + p.hour * 3600 + p.minute * 60 + p.second;
  *out = p;
  return true;
}

bool ParseResolution(std::string_view text, Resolution* out) {
  for (Resolution r :
       {Resolution::kHour, Resolution::kDay, Resolution::kYear, Resolution::kStatic}) {
    if (text == ResolutionName(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

bool IsAligned(const UtcParts& t, Resolution resolution) {
  const bool whole_hour = t.minute == 0 && t.second == 0;
  switch (resolution) {
    case Resolution::kHour:
      return whole_hour;
    case Resolution::kDay:
      return whole_hour && t.hour == 0;
    case Resolution::kYear:
      return whole_hour && t.hour == 0 && t.month == 1 && t.day == 1;
    case Resolution::kStatic:
      return true;
  }
  return false;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool ValidVersion(std::string_view version) {
  if (version.empty() || version.size() > 64) return false;
  return std::all_of(version.begin(), version.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+';
  });
}

bool ValidDate(std::string_view text) {
  int64_t ignored = 0;
  return text.size() == 10 && ParseUtcSeconds(std::string(text) + "T00:00:00Z", &ignored);
}

Status MetaError(const std::string& meta_name, std::string_view field, const std::string& what) {
  return Status::InvalidArgument(meta_name + ": field '" + std::string(field) + "': " + what);
}

Result<TableMeta> ParseMeta(std::string_view meta_json, const std::string& meta_name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(meta_json);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or a number out of range
    return Status::InvalidArgument(meta_name + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) return Status::InvalidArgument(meta_name + ": expected a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kMetaFields.begin(), kMetaFields.end(), key) == kMetaFields.end()) {
      return MetaError(meta_name, key,
                       "unknown field (known: id, version, source, licence, "
                       "retrieved, basis, scope, notes)");
    }
    if (!value.is_string()) return MetaError(meta_name, key, "expected a string");
  }
  TableMeta meta;
  auto take = [&](std::string_view field, std::string* out, bool required) -> Status {
    const auto it = doc.find(std::string(field));
    if (it == doc.end() || it->get_ref<const std::string&>().empty()) {
      return required ? MetaError(meta_name, field, "missing") : Status::Ok();
    }
    *out = it->get<std::string>();
    return Status::Ok();
  };
  for (auto [field, out, required] :
       {std::tuple{"id", &meta.id, true}, std::tuple{"version", &meta.version, true},
        std::tuple{"source", &meta.source, true}, std::tuple{"licence", &meta.licence, true},
        std::tuple{"retrieved", &meta.retrieved, true}, std::tuple{"basis", &meta.basis, true},
        std::tuple{"scope", &meta.scope, true}, std::tuple{"notes", &meta.notes, false}}) {
    if (Status s = take(field, out, required); !s.ok()) return s;
  }
  if (!ValidId(meta.id))
    return MetaError(meta_name, "id", "'" + meta.id + "' must be 1-128 of [a-z0-9._-]");
  if (!ValidVersion(meta.version))
    return MetaError(meta_name, "version",
                     "'" + meta.version + "' must be 1-64 of [A-Za-z0-9._+-]");
  if (!ValidDate(meta.retrieved))
    return MetaError(meta_name, "retrieved", "'" + meta.retrieved + "' is not a date YYYY-MM-DD");
  if (meta.basis != "average" && meta.basis != "marginal")
    return MetaError(meta_name, "basis", "expected average or marginal, got '" + meta.basis + "'");
  if (meta.scope != "lifecycle" && meta.scope != "direct")
    return MetaError(meta_name, "scope", "expected lifecycle or direct, got '" + meta.scope + "'");
  return meta;
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  return text.str();
}

std::string FormatNumber(double value) {
  char buffer[64];
  // Shortest text that reads back as the same double.
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string_view ResolutionName(Resolution resolution) {
  switch (resolution) {
    case Resolution::kHour:
      return "hour";
    case Resolution::kDay:
      return "day";
    case Resolution::kYear:
      return "year";
    case Resolution::kStatic:
      return "static";
  }
  return "static";
}

size_t Table::row_count() const {
  size_t n = 0;
  for (const auto& [region, periods] : regions) n += periods.size();
  return n;
}

int64_t PeriodEnd(const Period& period) {
  switch (period.resolution) {
    case Resolution::kHour:
      return period.start_s + 3600;
    case Resolution::kDay:
      return period.start_s + 86400;
    case Resolution::kYear:
      return DaysFromCivil(YearOfDays(FloorDiv(period.start_s, 86400)) + 1, 1, 1) * 86400;
    case Resolution::kStatic:
      return INT64_MAX;
  }
  return INT64_MAX;
}

bool ParseUtcSeconds(std::string_view text, int64_t* out) {
  UtcParts parts;
  if (!ParseUtcParts(text, &parts)) return false;
  *out = parts.unix_s;
  return true;
}

std::string FormatUtcSeconds(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

Result<Table> ParseTable(std::string_view values_csv, std::string_view meta_json,
                         const std::string& values_name, const std::string& meta_name,
                         std::string_view values_sha256) {
  auto meta = ParseMeta(meta_json, meta_name);
  if (!meta.ok()) return meta.status();
  Table table;
  table.meta = std::move(*meta);
  table.sha256 = values_sha256.empty() ? Sha256Hex(values_csv) : std::string(values_sha256);
  table.values_name = values_name;

  std::string_view rest = values_csv;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  int line_no = 0;
  std::array<int, kColumns.size()> column_of{-1, -1, -1, -1};
  size_t field_count = 0;
  std::array<std::string_view, kMaxFields> fields;
  // Per region, per resolution: the previous period and its line (line 0: none yet).
  struct Previous {
    int64_t start_s = 0, end_s = 0;
    int line = 0;
  };
  std::map<std::string, std::array<Previous, 4>, std::less<>> previous;
  // Rows come grouped by region: look the region up only when it changes.
  std::string current_region;
  std::vector<Period>* periods = nullptr;
  std::array<Previous, 4>* before_of = nullptr;
  auto error = [&](std::string_view field, const std::string& what) {
    std::string where = values_name + ":" + std::to_string(line_no);
    if (!field.empty()) where += ": field '" + std::string(field) + "'";
    return Status::InvalidArgument(where + ": " + what);
  };
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    ++line_no;
    if (Trim(line).empty()) continue;
    const size_t count = SplitCommas(line, fields);
    if (field_count == 0) {  // the header
      if (count > kMaxFields) return error("", "too many columns");
      for (size_t i = 0; i < count; ++i) {
        const auto known = std::find(kColumns.begin(), kColumns.end(), fields[i]);
        if (known == kColumns.end()) {
          return error(fields[i],
                       "unknown column (expected region, start, resolution, gco2e_per_kwh)");
        }
        const size_t c = static_cast<size_t>(known - kColumns.begin());
        if (column_of[c] >= 0) return error(fields[i], "column given twice");
        column_of[c] = static_cast<int>(i);
      }
      for (size_t c = 0; c < kColumns.size(); ++c) {
        if (column_of[c] < 0) return error(kColumns[c], "column missing from the header");
      }
      field_count = count;
      continue;
    }
    if (count != field_count) {
      return error("", "expected " + std::to_string(field_count) + " fields, found " +
                           (count > kMaxFields ? "more" : std::to_string(count)));
    }
    const std::string_view region = fields[column_of[0]];
    const std::string_view start = fields[column_of[1]];
    const std::string_view resolution = fields[column_of[2]];
    const std::string_view value = fields[column_of[3]];
    if (region.empty()) return error("region", "empty");
    Period period;
    if (!ParseResolution(resolution, &period.resolution)) {
      return error("resolution",
                   "'" + std::string(resolution) + "' is not hour, day, year or static");
    }
    if (period.resolution == Resolution::kStatic) {
      if (!start.empty()) return error("start", "must be empty for a static row");
    } else {
      UtcParts parts;
      if (!ParseUtcParts(start, &parts)) {
        return error("start",
                     "'" + std::string(start) + "' is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
      }
      if (!IsAligned(parts, period.resolution)) {
        return error("start", "'" + std::string(start) + "' does not begin a whole " +
                                  std::string(resolution));
      }
      period.start_s = parts.unix_s;
    }
    const auto parsed =
        std::from_chars(value.data(), value.data() + value.size(), period.gco2e_per_kwh);
    if (value.empty() || parsed.ec != std::errc() || parsed.ptr != value.data() + value.size() ||
        !std::isfinite(period.gco2e_per_kwh)) {
      return error("gco2e_per_kwh", "'" + std::string(value) + "' is not a number");
    }
    if (period.gco2e_per_kwh < 0) {
      return error("gco2e_per_kwh", "'" + std::string(value) + "' is negative");
    }
    if (periods == nullptr || region != current_region) {
      current_region.assign(region);
      periods = &table.regions[current_region];
      before_of = &previous[current_region];
    }
    Previous& before = (*before_of)[static_cast<size_t>(period.resolution)];
    if (before.line != 0) {
      const std::string earlier = " (line " + std::to_string(before.line) + ")";
      if (period.resolution == Resolution::kStatic) {
        return error("region", "a second static row for " + std::string(region) + earlier);
      }
      if (period.start_s < before.start_s) {
        return error("start", "'" + std::string(start) + "' is earlier than the previous " +
                                  std::string(resolution) + " of " + std::string(region) + earlier +
                                  "; rows must be sorted by time");
      }
      if (period.start_s < before.end_s) {
        return error("start", "'" + std::string(start) + "' overlaps the previous " +
                                  std::string(resolution) + " of " + std::string(region) + earlier);
      }
    }
    before = {period.start_s, PeriodEnd(period), line_no};
    periods->push_back(period);
  }
  if (field_count == 0) return Status::InvalidArgument(values_name + ": empty, no header");
  auto order = [](const Period& a, const Period& b) {
    return std::tie(a.resolution, a.start_s) < std::tie(b.resolution, b.start_s);
  };
  for (auto& [region, region_periods] : table.regions) {
    if (!std::is_sorted(region_periods.begin(), region_periods.end(), order))
      std::stable_sort(region_periods.begin(), region_periods.end(), order);
  }
  return table;
}

std::filesystem::path MetaPathFor(const std::filesystem::path& values_path) {
  std::filesystem::path meta = values_path;
  meta.replace_extension(".meta.json");
  return meta;
}

Result<Table> LoadTableFile(const std::filesystem::path& values_path) {
  auto values = ReadFile(values_path);
  if (!values.ok()) return values.status();
  const std::filesystem::path meta_path = MetaPathFor(values_path);
  auto meta = ReadFile(meta_path);
  if (!meta.ok()) {
    return Status::InvalidArgument(values_path.string() + ": its metadata file " +
                                   meta_path.string() + " is missing or unreadable");
  }
  auto table = ParseTable(*values, *meta, values_path.string(), meta_path.string());
  if (!table.ok()) return table.status();
  table->origin = values_path.parent_path().string();
  return table;
}

std::string FormatValuesCsv(std::vector<Row> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.region, a.period.resolution, a.period.start_s) <
           std::tie(b.region, b.period.resolution, b.period.start_s);
  });
  std::string text = "region,start,resolution,gco2e_per_kwh\n";
  for (const Row& row : rows) {
    text += row.region;
    text += ',';
    if (row.period.resolution != Resolution::kStatic) text += FormatUtcSeconds(row.period.start_s);
    text += ',';
    text += ResolutionName(row.period.resolution);
    text += ',';
    text += FormatNumber(row.period.gco2e_per_kwh);
    text += '\n';
  }
  return text;
}

std::string FormatMetaJson(const TableMeta& meta) {
  nlohmann::ordered_json doc = {
      {"id", meta.id},           {"version", meta.version},     {"source", meta.source},
      {"licence", meta.licence}, {"retrieved", meta.retrieved}, {"basis", meta.basis},
      {"scope", meta.scope}};
  if (!meta.notes.empty()) doc["notes"] = meta.notes;
  return doc.dump(2) + "\n";
}

Result<std::filesystem::path> WriteTable(const std::filesystem::path& dir, const TableMeta& meta,
                                         std::vector<Row> rows) {
  const std::string values = FormatValuesCsv(std::move(rows));
  const std::string meta_text = FormatMetaJson(meta);
  const std::filesystem::path values_path = dir / (meta.id + "@" + meta.version + ".csv");
  const std::filesystem::path meta_path = MetaPathFor(values_path);
  if (auto check = ParseTable(values, meta_text, values_path.string(), meta_path.string());
      !check.ok()) {
    return check.status();
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(dir.string() + ": cannot create: " + ec.message());
  if (Status s = otel::WriteFileAtomically(meta_path, meta_text); !s.ok()) return s;
  if (Status s = otel::WriteFileAtomically(values_path, values); !s.ok()) return s;
  return values_path;
}

}  // namespace kfm::carbon
