#include "json_input.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace kfm::jobs::usgs {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

// `pos` at the opening quote; returns the position after the closing quote and the raw
// (still escaped) contents in `raw`.
size_t ScanString(std::string_view text, size_t pos, std::string_view* raw) {
  const size_t start = ++pos;
  while (pos < text.size() && text[pos] != '"') pos += text[pos] == '\\' ? 2 : 1;
  if (raw != nullptr) *raw = text.substr(start, std::min(pos, text.size()) - start);
  return std::min(pos + 1, text.size());
}

// `pos` at the start of a value; returns the position after it.
size_t SkipValue(std::string_view text, size_t pos) {
  if (pos >= text.size()) return pos;
  const char c = text[pos];
  if (c == '"') return ScanString(text, pos, nullptr);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (pos < text.size()) {
      const char d = text[pos];
      if (d == '"') {
        pos = ScanString(text, pos, nullptr);
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return pos + 1;
      }
      ++pos;
    }
    return pos;
  }
  while (pos < text.size() && text[pos] != ',' && text[pos] != '}' && text[pos] != ']' &&
         !IsSpace(text[pos])) {
    ++pos;
  }
  return pos;
}

// The member `key` of the object starting at `pos`, or npos.
size_t FindMember(std::string_view text, size_t pos, std::string_view key) {
  if (pos >= text.size() || text[pos] != '{') return std::string_view::npos;
  pos = SkipSpace(text, pos + 1);
  while (pos < text.size() && text[pos] == '"') {
    std::string_view name;
    pos = ScanString(text, pos, &name);
    pos = SkipSpace(text, pos);
    if (pos < text.size() && text[pos] == ':') pos = SkipSpace(text, pos + 1);
    if (name == key) return pos;
    pos = SkipSpace(text, SkipValue(text, pos));
    if (pos < text.size() && text[pos] == ',') pos = SkipSpace(text, pos + 1);
  }
  return std::string_view::npos;
}

// Element `index` of the array starting at `pos`, or npos.
size_t FindElement(std::string_view text, size_t pos, size_t index) {
  if (pos >= text.size() || text[pos] != '[') return std::string_view::npos;
  pos = SkipSpace(text, pos + 1);
  for (size_t i = 0; pos < text.size() && text[pos] != ']'; ++i) {
    if (i == index) return pos;
    pos = SkipSpace(text, SkipValue(text, pos));
    if (pos < text.size() && text[pos] == ',') pos = SkipSpace(text, pos + 1);
  }
  return std::string_view::npos;
}

// nlohmann reports the offset just after the token it could not use; messages point at the
// token's start.
size_t TokenStart(std::string_view text, size_t end) {
  if (end == 0 || end > text.size()) return std::min(end, text.size());
  size_t pos = end - 1;
  if (text[pos] == '"') {
    while (pos > 0) {
      --pos;
      if (text[pos] == '"' && (pos == 0 || text[pos - 1] != '\\')) return pos;
    }
    return end - 1;
  }
  const auto in_literal = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-';
  };
  if (!in_literal(text[pos])) return pos;
  while (pos > 0 && in_literal(text[pos - 1])) --pos;
  return pos;
}

}  // namespace

JsonPath JsonPath::Key(std::string_view key) const {
  JsonPath next = *this;
  Step step;
  step.key = std::string(key);
  next.steps_.push_back(std::move(step));
  return next;
}

JsonPath JsonPath::Index(size_t index) const {
  JsonPath next = *this;
  Step step;
  step.index = index;
  step.is_index = true;
  next.steps_.push_back(std::move(step));
  return next;
}

std::string JsonPath::ToString() const {
  if (steps_.empty()) return "(document)";
  std::string out;
  for (const Step& step : steps_) {
    if (step.is_index) {
      out += '[' + std::to_string(step.index) + ']';
    } else {
      if (!out.empty()) out += '.';
      out += step.key;
    }
  }
  return out;
}

TextPosition PositionOfOffset(std::string_view text, size_t offset) {
  TextPosition position;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

TextPosition LocateJsonPath(std::string_view text, const JsonPath& path) {
  size_t pos = SkipSpace(text, 0);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = SkipSpace(text, 3);
  for (const JsonPath::Step& step : path.steps()) {
    const size_t next =
        step.is_index ? FindElement(text, pos, step.index) : FindMember(text, pos, step.key);
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return PositionOfOffset(text, pos);
}

Result<nlohmann::json> ParseJson(std::string_view text, const std::string& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Status::InvalidArgument(source + ": empty input (expected a JSON document)");
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's text is "[json.exception.parse_error.101] parse error at line L, column C:
    // <why>"; the position is ours, the why is kept.
    std::string why = e.what();
    const size_t column = why.find("column ");
    if (column != std::string::npos) {
      const size_t colon = why.find(": ", column);
      if (colon != std::string::npos) why = why.substr(colon + 2);
    }
    const TextPosition at = PositionOfOffset(text, TokenStart(text, e.byte));
    return Status::InvalidArgument(source + ":" + std::to_string(at.line) + ":" +
                                   std::to_string(at.column) + ": malformed JSON: " + why);
  } catch (const nlohmann::json::exception& e) {
    // Number overflow and the like: nlohmann gives no position.
    std::string why = e.what();
    const size_t bracket = why.find("] ");
    if (bracket != std::string::npos) why = why.substr(bracket + 2);
    return Status::InvalidArgument(source + ": malformed JSON: " + why);
  }
}

Status FieldError(std::string_view text, const std::string& source, const JsonPath& path,
                  const std::string& what) {
  const TextPosition at = LocateJsonPath(text, path);
  return Status::InvalidArgument(source + ":" + std::to_string(at.line) + ":" +
                                 std::to_string(at.column) + ": field '" + path.ToString() +
                                 "': " + what);
}

std::string JsonTypeName(const nlohmann::json& value) { return value.type_name(); }

}  // namespace kfm::jobs::usgs
