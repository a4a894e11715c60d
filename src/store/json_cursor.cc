#include "store/json_cursor.h"

#include <charconv>
#include <cstring>

namespace kfm::store {
namespace {

constexpr int kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

const char* JsonCursor::TypeName(Type type) {
  switch (type) {
    case Type::kObject:
      return "an object";
    case Type::kArray:
      return "an array";
    case Type::kString:
      return "a string";
    case Type::kNumber:
      return "a number";
    case Type::kBool:
      return "a boolean";
    case Type::kNull:
      return "null";
    case Type::kEnd:
      return "the end of the line";
    case Type::kInvalid:
      break;
  }
  return "invalid JSON";
}

bool JsonCursor::Fail(std::string message) {
  if (error_.empty()) {
    error_ = std::move(message);
    if (error_.empty()) error_ = "error";
  }
  return false;
}

void JsonCursor::SkipSpace() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
}

bool JsonCursor::AtEnd() {
  SkipSpace();
  return pos_ >= text_.size();
}

JsonCursor::Type JsonCursor::Peek() {
  if (!ok()) return Type::kInvalid;
  SkipSpace();
  if (pos_ >= text_.size()) return Type::kEnd;
  switch (text_[pos_]) {
    case '{':
      return Type::kObject;
    case '[':
      return Type::kArray;
    case '"':
      return Type::kString;
    case 't':
    case 'f':
      return Type::kBool;
    case 'n':
      return Type::kNull;
    default: {
      const char c = text_[pos_];
      if (c == '-' || (c >= '0' && c <= '9')) return Type::kNumber;
      return Type::kInvalid;
    }
  }
}

bool JsonCursor::Expect(char c, const char* what) {
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != c) {
    return Fail(std::string("expected ") + what + " at byte " + std::to_string(pos_));
  }
  ++pos_;
  return true;
}

bool JsonCursor::AfterValue() {
  prev_ = 'v';
  return true;
}

bool JsonCursor::BeginObject() {
  if (!ok()) return false;
  if (Peek() != Type::kObject)
    return Fail(std::string("expected an object, got ") + TypeName(Peek()));
  if (++depth_ > kMaxDepth) return Fail("JSON nested too deeply");
  ++pos_;
  prev_ = '{';
  return true;
}

bool JsonCursor::NextKey(std::string_view& key) {
  if (!ok()) return false;
  SkipSpace();
  if (pos_ >= text_.size()) return Fail("unterminated object");
  char c = text_[pos_];
  if (c == '}') {
    if (prev_ == ',') return Fail("trailing comma at byte " + std::to_string(pos_));
    ++pos_;
    --depth_;
    AfterValue();
    return false;
  }
  if (prev_ == 'v') {
    if (c != ',') return Fail("expected ',' or '}' at byte " + std::to_string(pos_));
    ++pos_;
    prev_ = ',';
    SkipSpace();
  }
  if (Peek() != Type::kString)
    return Fail("expected a member name at byte " + std::to_string(pos_));
  if (!String(key)) return false;
  if (!Expect(':', "':'")) return false;
  prev_ = ':';
  return true;
}

bool JsonCursor::BeginArray() {
  if (!ok()) return false;
  if (Peek() != Type::kArray)
    return Fail(std::string("expected an array, got ") + TypeName(Peek()));
  if (++depth_ > kMaxDepth) return Fail("JSON nested too deeply");
  ++pos_;
  prev_ = '[';
  return true;
}

bool JsonCursor::NextElement() {
  if (!ok()) return false;
  SkipSpace();
  if (pos_ >= text_.size()) return Fail("unterminated array");
  const char c = text_[pos_];
  if (c == ']') {
    if (prev_ == ',') return Fail("trailing comma at byte " + std::to_string(pos_));
    ++pos_;
    --depth_;
    AfterValue();
    return false;
  }
  if (prev_ == 'v') {
    if (c != ',') return Fail("expected ',' or ']' at byte " + std::to_string(pos_));
    ++pos_;
    prev_ = ',';
  }
  return true;
}

bool JsonCursor::String(std::string_view& out) {
  if (!ok()) return false;
  if (Peek() != Type::kString)
    return Fail(std::string("expected a string, got ") + TypeName(Peek()));
  const std::size_t begin = ++pos_;
  // Fast path: no escapes.
  std::size_t i = begin;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '"') {
      out = text_.substr(begin, i - begin);
      pos_ = i + 1;
      return AfterValue();
    }
    if (c == '\\') break;
    if (static_cast<unsigned char>(c) < 0x20) {
      return Fail("control character in a string at byte " + std::to_string(i));
    }
    ++i;
  }
  scratch_.assign(text_.data() + begin, i - begin);
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '"') {
      out = scratch_;
      pos_ = i + 1;
      return AfterValue();
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return Fail("control character in a string at byte " + std::to_string(i));
    }
    if (c != '\\') {
      scratch_.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= text_.size()) break;
    const char e = text_[i + 1];
    i += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        scratch_.push_back(e);
        break;
      case 'b':
        scratch_.push_back('\b');
        break;
      case 'f':
        scratch_.push_back('\f');
        break;
      case 'n':
        scratch_.push_back('\n');
        break;
      case 'r':
        scratch_.push_back('\r');
        break;
      case 't':
        scratch_.push_back('\t');
        break;
      case 'u': {
        auto read4 = [&](std::uint32_t& v) {
          if (i + 4 > text_.size()) return false;
          v = 0;
          for (int k = 0; k < 4; ++k) {
            const int d = HexDigit(text_[i + k]);
            if (d < 0) return false;
            v = v * 16 + static_cast<std::uint32_t>(d);
          }
          i += 4;
          return true;
        };
        std::uint32_t cp = 0;
        if (!read4(cp)) return Fail("bad \\u escape at byte " + std::to_string(i));
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < text_.size() && text_[i] == '\\' &&
            text_[i + 1] == 'u') {
          i += 2;
          std::uint32_t low = 0;
          if (!read4(low) || low < 0xDC00 || low > 0xDFFF)
            return Fail("bad surrogate pair at byte " + std::to_string(i));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(scratch_, cp);
        break;
      }
      default:
        return Fail("bad escape at byte " + std::to_string(i - 2));
    }
  }
  return Fail("unterminated string starting at byte " + std::to_string(begin - 1));
}

bool JsonCursor::ScanNumber(std::string_view& token) {
  if (!ok()) return false;
  if (Peek() != Type::kNumber)
    return Fail(std::string("expected a number, got ") + TypeName(Peek()));
  const std::size_t begin = pos_;
  std::size_t i = pos_;
  if (text_[i] == '-') ++i;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text_.size() && text_[i] >= '0' && text_[i] <= '9') ++i;
    return i - start;
  };
  const std::size_t int_start = i;
  if (digits() == 0) return Fail("bad number at byte " + std::to_string(begin));
  if (text_[int_start] == '0' && i - int_start > 1)
    return Fail("number with a leading zero at byte " + std::to_string(begin));
  if (i < text_.size() && text_[i] == '.') {
    ++i;
    if (digits() == 0) return Fail("bad number at byte " + std::to_string(begin));
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (digits() == 0) return Fail("bad number at byte " + std::to_string(begin));
  }
  token = text_.substr(begin, i - begin);
  pos_ = i;
  return AfterValue();
}

bool JsonCursor::Double(double& out) {
  std::string_view token;
  if (!ScanNumber(token)) return false;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc() || ptr != token.data() + token.size())
    return Fail("number out of range: " + std::string(token));
  return true;
}

bool JsonCursor::Int64(std::int64_t& out) {
  std::string_view token;
  if (!ScanNumber(token)) return false;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc() || ptr != token.data() + token.size())
    return Fail("expected an integer that fits 64 bits, got " + std::string(token));
  return true;
}

bool JsonCursor::Bool(bool& out) {
  if (!ok()) return false;
  if (Peek() != Type::kBool)
    return Fail(std::string("expected a boolean, got ") + TypeName(Peek()));
  if (text_.compare(pos_, 4, "true") == 0) {
    out = true;
    pos_ += 4;
  } else if (text_.compare(pos_, 5, "false") == 0) {
    out = false;
    pos_ += 5;
  } else {
    return Fail("bad literal at byte " + std::to_string(pos_));
  }
  return AfterValue();
}

bool JsonCursor::Skip() {
  switch (Peek()) {
    case Type::kObject: {
      if (!BeginObject()) return false;
      std::string_view key;
      while (NextKey(key)) {
        if (!Skip()) return false;
      }
      return ok();
    }
    case Type::kArray:
      if (!BeginArray()) return false;
      while (NextElement()) {
        if (!Skip()) return false;
      }
      return ok();
    case Type::kString: {
      std::string_view ignored;
      return String(ignored);
    }
    case Type::kNumber: {
      std::string_view ignored;
      return ScanNumber(ignored);
    }
    case Type::kBool: {
      bool ignored = false;
      return Bool(ignored);
    }
    case Type::kNull:
      if (text_.compare(pos_, 4, "null") != 0)
        return Fail("bad literal at byte " + std::to_string(pos_));
      pos_ += 4;
      return AfterValue();
    case Type::kEnd:
      return Fail("unexpected end of the line");
    case Type::kInvalid:
      break;
  }
  return Fail("invalid JSON at byte " + std::to_string(pos_));
}

}  // namespace kfm::store
