#include "store/json_cursor.h"

#include <array>
#include <charconv>
#include <cstring>

namespace kfm::store {
namespace {

constexpr int kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The bytes a string holds as they are: not a quote, a backslash or a control character. A
// table, as the string scan is most of the ingest's time: one load a byte instead of three
// comparisons.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 256; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// The end of the run of plain bytes of `text` from `i`.
std::size_t PlainBytesFrom(std::string_view text, std::size_t i) {
  while (i < text.size() && kPlainStringByte[static_cast<unsigned char>(text[i])]) ++i;
  return i;
}

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

bool JsonCursor::Begin(Type type) {
  if (!ok()) return false;
  if (Peek() != type)
    return Fail(std::string("expected ") + TypeName(type) + ", got " + TypeName(Peek()));
  if (++depth_ > kMaxDepth) return Fail("JSON nested too deeply");
  prev_ = text_[pos_++];
  return true;
}

bool JsonCursor::Next(char close, const char* unterminated) {
  if (!ok()) return false;
  SkipSpace();
  if (pos_ >= text_.size()) return Fail(unterminated);
  const char c = text_[pos_];
  if (c == close) {
    if (prev_ == ',') return Fail("trailing comma at byte " + std::to_string(pos_));
    ++pos_;
    --depth_;
    AfterValue();
    return false;
  }
  if (prev_ == 'v') {
    if (c != ',')
      return Fail(std::string("expected ',' or '") + close + "' at byte " + std::to_string(pos_));
    ++pos_;
    prev_ = ',';
  }
  return true;
}

bool JsonCursor::BeginObject() { return Begin(Type::kObject); }

bool JsonCursor::NextKey(std::string_view& key) {
  if (!Next('}', "unterminated object")) return false;
  if (Peek() != Type::kString)
    return Fail("expected a member name at byte " + std::to_string(pos_));
  if (!String(key)) return false;
  if (!Expect(':', "':'")) return false;
  prev_ = ':';
  return true;
}

bool JsonCursor::BeginArray() { return Begin(Type::kArray); }

bool JsonCursor::NextElement() { return Next(']', "unterminated array"); }

bool JsonCursor::String(std::string_view& out) {
  if (!ok()) return false;
  if (Peek() != Type::kString)
    return Fail(std::string("expected a string, got ") + TypeName(Peek()));
  const std::size_t begin = ++pos_;
  std::size_t i = PlainBytesFrom(text_, begin);
  if (i < text_.size() && text_[i] == '"') {  // no escapes: a view of the text
    out = text_.substr(begin, i - begin);
    pos_ = i + 1;
    return AfterValue();
  }
  scratch_.assign(text_.data() + begin, i - begin);
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '"') {
      out = scratch_;
      pos_ = i + 1;
      return AfterValue();
    }
    if (c != '\\') return Fail("control character in a string at byte " + std::to_string(i));
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
    const std::size_t run = i;
    i = PlainBytesFrom(text_, i);
    scratch_.append(text_.data() + run, i - run);
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
    return i > start;
  };
  // int [frac] [exp], each part with at least one digit.
  const std::size_t int_start = i;
  bool good = digits();
  if (good && text_[int_start] == '0' && i - int_start > 1)
    return Fail("number with a leading zero at byte " + std::to_string(begin));
  if (good && i < text_.size() && text_[i] == '.') {
    ++i;
    good = digits();
  }
  if (good && i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    good = digits();
  }
  if (!good) return Fail("bad number at byte " + std::to_string(begin));
  token = text_.substr(begin, i - begin);
  pos_ = i;
  return AfterValue();
}

template <typename Number>
bool JsonCursor::ReadNumber(Number& out, const char* does_not_fit) {
  std::string_view token;
  if (!ScanNumber(token)) return false;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (ec != std::errc() || ptr != token.data() + token.size())
    return Fail(does_not_fit + std::string(token));
  return true;
}

bool JsonCursor::Double(double& out) { return ReadNumber(out, "number out of range: "); }

bool JsonCursor::Int64(std::int64_t& out) {
  return ReadNumber(out, "expected an integer that fits 64 bits, got ");
}

bool JsonCursor::Literal(std::string_view word) {
  if (text_.compare(pos_, word.size(), word) != 0) return false;
  pos_ += word.size();
  return true;
}

bool JsonCursor::Bool(bool& out) {
  if (!ok()) return false;
  if (Peek() != Type::kBool)
    return Fail(std::string("expected a boolean, got ") + TypeName(Peek()));
  if (Literal("true")) {
    out = true;
  } else if (Literal("false")) {
    out = false;
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
      if (!Literal("null")) return Fail("bad literal at byte " + std::to_string(pos_));
      return AfterValue();
    case Type::kEnd:
      return Fail("unexpected end of the line");
    case Type::kInvalid:
      break;
  }
  return Fail("invalid JSON at byte " + std::to_string(pos_));
}

}  // namespace kfm::store
