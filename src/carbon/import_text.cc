#include "carbon/import_text.h"

#include <algorithm>
#include <cctype>
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

}  // namespace

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

namespace {

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
  // Fields are parsed into the strings of the previous record (same count, row after row),
  // so a large file costs few allocations.
  while (pos_ < text_.size()) {
    line_ = next_line_;
    size_t count = 0;
    bool any_quoted = false;
    bool done = false;
    while (!done) {
      if (count == fields_.size()) fields_.emplace_back();
      std::string& field = fields_[count++];
      field.clear();
      bool quoted = false;
      while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c == '"' && !quoted && TrimBlanks(field).empty()) {
          // A quoted field: up to the closing quote, "" standing for one quote.
          quoted = any_quoted = true;
          field.clear();
          ++pos_;
          for (;;) {
            const size_t close = text_.find('"', pos_);
            if (close == std::string_view::npos) {
              status_ = FieldError(file_name_, line_, "", "a quoted field is not closed");
              return false;
            }
            const std::string_view chunk = text_.substr(pos_, close - pos_);
            next_line_ += static_cast<int>(std::count(chunk.begin(), chunk.end(), '\n'));
            field += chunk;
            pos_ = close + 1;
            if (pos_ < text_.size() && text_[pos_] == '"') {
              field += '"';
              ++pos_;
              continue;
            }
            break;
          }
          continue;
        }
        if (c == ',' || c == '\n' || c == '\r') break;
        if (quoted) {
          if (!IsBlank(c)) {
            status_ = FieldError(file_name_, line_, "",
                                 "text after a closing quote in field " + std::to_string(count));
            return false;
          }
          ++pos_;
          continue;
        }
        const size_t stop = std::min(text_.find_first_of(",\n\r\"", pos_ + 1), text_.size());
        field.append(text_.substr(pos_, stop - pos_));
        pos_ = stop;
      }
      if (!quoted) {
        const std::string_view trimmed = TrimBlanks(field);
        if (trimmed.size() != field.size()) field = std::string(trimmed);
      }
      if (pos_ >= text_.size()) {
        done = true;
      } else if (text_[pos_] == ',') {
        ++pos_;
      } else if (text_[pos_] == '\r') {
        ++pos_;  // CR, CRLF: the record ends
        if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        ++next_line_;
        done = true;
      } else {
        ++pos_;  // LF
        ++next_line_;
        done = true;
      }
    }
    fields_.resize(count);
    if (count == 1 && fields_[0].empty() && !any_quoted) continue;  // blank line
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

}  // namespace kfm::carbon::import_internal
