#include "carbon/import_common.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kfm::carbon::import_internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (IsBlank(text.front()) || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (IsBlank(text.back()) || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

// Reads exactly `width` digits (width 0: one or two) at `text[*pos]`.
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* out) {
  size_t n = 0;
  int value = 0;
  const size_t max = width == 0 ? 2 : width;
  while (n < max && *pos + n < text.size() && text[*pos + n] >= '0' && text[*pos + n] <= '9') {
    value = value * 10 + (text[*pos + n] - '0');
    ++n;
  }
  if (n == 0 || (width != 0 && n != width)) return false;
  *pos += n;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool ValidDate(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

int64_t ToUnix(int year, int month, int day, int hour, int minute, int second) {
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kDayS +
         hour * kHourS + minute * 60 + second;
}

}  // namespace

Result<std::string> ReadFileText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IoError(path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  return text.str();
}

Status FieldError(const std::string& file, int line, std::string_view field,
                  const std::string& what) {
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line);
  if (!field.empty()) where += ": field '" + std::string(field) + "'";
  return Status::InvalidArgument(where + ": " + what);
}

CsvReader::CsvReader(std::string_view text, std::string file_name)
    : text_(text), file_name_(std::move(file_name)) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

bool CsvReader::Next() {
  while (pos_ < text_.size()) {
    fields_.clear();
    line_ = next_line_;
    std::string field;
    bool quoted = false;  // the current field began with a quote
    bool in_quotes = false;
    bool any_quoted = false;
    auto finish_field = [&] {
      fields_.push_back(quoted ? field : std::string(TrimBlanks(field)));
      field.clear();
      quoted = false;
    };
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (in_quotes) {
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field += '"';
            ++pos_;
          } else {
            in_quotes = false;
          }
        } else {
          if (c == '\n') ++next_line_;
          field += c;
        }
        continue;
      }
      if (c == '"' && TrimBlanks(field).empty() && !quoted) {
        field.clear();
        quoted = in_quotes = any_quoted = true;
      } else if (c == ',') {
        finish_field();
      } else if (c == '\n') {
        ++next_line_;
        break;
      } else if (c == '\r' && (pos_ >= text_.size() || text_[pos_] == '\n')) {
        // CRLF: the LF ends the record.
      } else if (quoted) {
        if (!IsBlank(c)) {
          status_ = FieldError(
              file_name_, line_, "",
              "text after a closing quote in field " + std::to_string(fields_.size() + 1));
          return false;
        }
      } else {
        field += c;
      }
    }
    if (in_quotes) {
      status_ = FieldError(file_name_, line_, "", "a quoted field is not closed");
      return false;
    }
    finish_field();
    if (fields_.size() == 1 && fields_[0].empty() && !any_quoted) continue;  // blank line
    return true;
  }
  return false;
}

std::string NormalizeHeader(std::string_view name) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name.substr(i, 3) == "\xE2\x82\x82") {  // U+2082 SUBSCRIPT TWO
      i += 2;
      if (space && !out.empty()) out += ' ';
      space = false;
      out += '2';
      continue;
    }
    const char c = name[i];
    if (IsBlank(c) || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += Lower(c);
  }
  return out;
}

bool ParseNumber(std::string_view text, bool thousands, double* out) {
  text = TrimBlanks(text);
  std::string digits;
  if (thousands && text.find(',') != std::string_view::npos) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == ',') {
        const bool between = i > 0 && i + 1 < text.size() &&
                             std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                             std::isdigit(static_cast<unsigned char>(text[i + 1]));
        if (!between) return false;
        continue;
      }
      digits += text[i];
    }
    text = digits;
  }
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  double value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || !std::isfinite(value))
    return false;
  *out = value;
  return true;
}

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {
int YearOf(int64_t unix_s) {
  int year = 1970 + static_cast<int>(unix_s / (kDayS * 366));
  while (DaysFromCivil(year + 1, 1, 1) * kDayS <= unix_s) ++year;
  while (DaysFromCivil(year, 1, 1) * kDayS > unix_s) --year;
  return year;
}
}  // namespace

bool IsYearStart(int64_t unix_s) { return unix_s == DaysFromCivil(YearOf(unix_s), 1, 1) * kDayS; }

int64_t NextYearStart(int64_t unix_s) { return DaysFromCivil(YearOf(unix_s) + 1, 1, 1) * kDayS; }

bool ParseIsoTime(std::string_view text, int64_t* unix_s) {
  text = TrimBlanks(text);
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day) || !ValidDate(year, month, day)) {
    return false;
  }
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return false;
    ++pos;
    if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &minute)) {
      return false;
    }
    if (pos < text.size() && text[pos] == ':' && !(ReadDigits(text, &++pos, 2, &second))) {
      return false;
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      const size_t begin = pos;
      while (pos < text.size() && text[pos] == '0') ++pos;
      if (pos == begin || (pos < text.size() && text[pos] >= '1' && text[pos] <= '9')) return false;
    }
    if (hour > 23 || minute > 59 || second > 59) return false;
  }
  int64_t offset_s = 0;
  std::string_view zone = TrimBlanks(text.substr(pos));
  if (zone == "Z" || zone == "z" || EqualsNoCase(zone, "UTC") || zone.empty()) {
    // UTC
  } else if (zone.front() == '+' || zone.front() == '-') {
    size_t zpos = 1;
    int zh = 0, zm = 0;
    if (!ReadDigits(zone, &zpos, 2, &zh)) return false;
    if (zpos < zone.size()) {
      if (zone[zpos] == ':') ++zpos;
      if (!ReadDigits(zone, &zpos, 2, &zm)) return false;
    }
    if (zpos != zone.size() || zh > 18 || zm > 59) return false;
    offset_s = (zh * kHourS + zm * 60) * (zone.front() == '-' ? -1 : 1);
  } else {
    return false;
  }
  *unix_s = ToUnix(year, month, day, hour, minute, second) - offset_s;
  return true;
}

bool ParseUsTime(std::string_view text, int64_t* unix_s) {
  text = TrimBlanks(text);
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 0, &month) || !Expect(text, &pos, '/') ||
      !ReadDigits(text, &pos, 0, &day) || !Expect(text, &pos, '/') ||
      !ReadDigits(text, &pos, 4, &year) || !ValidDate(year, month, day) ||
      !Expect(text, &pos, ' ') || !ReadDigits(text, &pos, 0, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute)) {
    return false;
  }
  if (pos < text.size() && text[pos] == ':' && !ReadDigits(text, &++pos, 2, &second)) return false;
  const std::string_view rest = TrimBlanks(text.substr(pos));
  if (EqualsNoCase(rest, "AM") || EqualsNoCase(rest, "PM")) {
    if (hour < 1 || hour > 12) return false;
    hour = hour % 12 + (EqualsNoCase(rest, "PM") ? 12 : 0);
  } else if (!rest.empty()) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  *unix_s = ToUnix(year, month, day, hour, minute, second);
  return true;
}

int LineOfOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

std::vector<int> JsonArrayElementLines(std::string_view text,
                                       const std::vector<std::string>& path) {
  struct Frame {
    bool array = false;
    std::vector<std::string> path;
    bool expect_key = true;  // objects: the next string is a key
    std::string key;
  };
  std::vector<int> lines;
  std::vector<Frame> stack;
  int line = 1;
  auto matches = [&](const std::vector<std::string>& p) {
    if (p.size() != path.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (!EqualsNoCase(p[i], path[i])) return false;
    }
    return true;
  };
  // Called where a value begins.
  auto value_starts = [&] {
    if (!stack.empty() && stack.back().array && matches(stack.back().path)) lines.push_back(line);
  };
  auto child_path = [&] {
    std::vector<std::string> p;
    if (!stack.empty()) {
      p = stack.back().path;
      if (!stack.back().array)
        p.push_back(stack.back().key);
      else
        p.push_back("[]");
    }
    return p;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      std::string s;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
        if (i < text.size()) s += text[i];
      }
      if (!stack.empty() && !stack.back().array && stack.back().expect_key) {
        stack.back().key = s;
        stack.back().expect_key = false;
      } else {
        value_starts();
      }
    } else if (c == '{' || c == '[') {
      value_starts();
      Frame frame;
      frame.array = c == '[';
      frame.path = child_path();
      stack.push_back(std::move(frame));
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty() && !stack.back().array) stack.back().expect_key = true;
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
      value_starts();
      while (i + 1 < text.size() && std::strchr(",]}\n \t\r", text[i + 1]) == nullptr) ++i;
    }
  }
  return lines;
}

Result<std::string> ChooseRegion(const std::map<std::string, Place>& seen,
                                 const std::string& requested, std::string_view field) {
  std::string listed;
  for (const auto& [region, place] : seen) listed += (listed.empty() ? "" : ", ") + region;
  if (seen.empty()) return Status::InvalidArgument("no data rows in the input");
  const Place& first = seen.begin()->second;
  if (!requested.empty()) {
    for (const auto& [region, place] : seen) {
      if (EqualsNoCase(region, requested)) return region;
    }
    return FieldError(first.file, first.line, field,
                      "region '" + requested + "' is not in the input; it holds: " + listed);
  }
  if (seen.size() > 1) {
    return FieldError(first.file, first.line, field,
                      "the input holds " + std::to_string(seen.size()) +
                          " regions; choose one with --region: " + listed);
  }
  return seen.begin()->first;
}

Status RowCollector::Add(int64_t start_s, double gco2e_per_kwh, const Place& place,
                         std::string_view field) {
  const auto [it, inserted] = values_.try_emplace(start_s, Entry{gco2e_per_kwh, place});
  if (inserted) return Status::Ok();
  if (it->second.value == gco2e_per_kwh) {
    ++identical_duplicates_;
    return Status::Ok();
  }
  std::ostringstream what;
  what << "the " << ResolutionName(resolution_) << " " << FormatUtcSeconds(start_s) << " of "
       << region_ << " is given twice with different values: " << it->second.value << " at "
       << it->second.place.str() << " and " << gco2e_per_kwh << " here";
  return FieldError(place.file, place.line, field, what.str());
}

std::vector<Row> RowCollector::Rows() const {
  std::vector<Row> rows;
  rows.reserve(values_.size());
  for (const auto& [start, entry] : values_) {
    rows.push_back(Row{region_, Period{start, resolution_, entry.value}});
  }
  return rows;
}

std::optional<std::pair<int64_t, int64_t>> RowCollector::Span() const {
  if (values_.empty()) return std::nullopt;
  return std::pair{values_.begin()->first, values_.rbegin()->first};
}

std::string SkipList::Note(const std::string& what) const {
  std::string note = what + ": " + std::to_string(count_) + " (";
  for (size_t i = 0; i < places_.size(); ++i) note += (i ? ", " : "") + places_[i];
  if (static_cast<size_t>(count_) > places_.size()) note += ", ...";
  return note + ")";
}

std::string TableId(std::string_view prefix, std::string_view provider_code) {
  std::string id(prefix);
  for (char c : provider_code) {
    c = Lower(c);
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    id += ok ? c : '-';
  }
  return id.substr(0, 128);
}

std::string AsSentence(const std::string& note) {
  if (note.empty()) return note;
  std::string sentence = note;
  if (sentence[0] >= 'a' && sentence[0] <= 'z')
    sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
  if (sentence.back() != '.') sentence += '.';
  return sentence;
}

std::string FileNames(const std::vector<std::filesystem::path>& files) {
  std::string names;
  for (const auto& file : files) names += (names.empty() ? "" : ", ") + file.filename().string();
  return names;
}

bool ValidRegionCode(std::string_view code) {
  if (code.empty() || code.size() > 128) return false;
  return std::none_of(code.begin(), code.end(), [](char c) {
    return c == ',' || c == '"' || static_cast<unsigned char>(c) < 0x20;
  });
}

}  // namespace kfm::carbon::import_internal
