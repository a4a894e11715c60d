// A small pull reader for one JSON text, fast enough to ingest a million OTLP spans: no
// document tree and no allocation except for strings with escapes. Strict RFC 8259 syntax;
// the first error is kept with its byte offset and every later call fails. One cursor per
// text and thread; the text must outlive the cursor and the views it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kfm::store {

class JsonCursor {
 public:
  enum class Type { kObject, kArray, kString, kNumber, kBool, kNull, kEnd, kInvalid };

  explicit JsonCursor(std::string_view text) : text_(text) {}

  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t offset() const { return pos_; }

  // The type of the next value (after white space), without consuming it.
  Type Peek();
  static const char* TypeName(Type type);

  // Objects: `if (BeginObject()) while (NextKey(key)) { read or Skip() the value }`.
  bool BeginObject();
  bool NextKey(std::string_view& key);
  // Arrays: `if (BeginArray()) while (NextElement()) { read or Skip() the element }`.
  bool BeginArray();
  bool NextElement();

  // Scalars; each fails (and records why) when the next value has another type. A string's
  // view points into the text, or into this cursor's scratch buffer when it had escapes (then
  // valid until the next string is read).
  bool String(std::string_view& out);
  bool Double(double& out);       // any JSON number
  bool Int64(std::int64_t& out);  // an integer number that fits
  bool Bool(bool& out);
  bool Skip();  // any value, nested or not

  // True when only white space is left.
  bool AtEnd();

  // Records `message` as the error (if none yet) and returns false.
  bool Fail(std::string message);

 private:
  void SkipSpace();
  bool Expect(char c, const char* what);
  bool AfterValue();
  // The shared bodies of BeginObject / BeginArray and NextKey / NextElement, inlined into each
  // (defined in the .cc): a call more per member costs the ingest measurably.
  // Begin: consumes the opening bracket of a value of `type`.
  [[gnu::always_inline]] inline bool Begin(Type type);
  // Next: true when another member follows (its comma consumed); false at the closing bracket
  // `close` (consumed) or on an error.
  [[gnu::always_inline]] inline bool Next(char close, const char* unterminated);
  bool ScanNumber(std::string_view& token);
  // Double / Int64: a number token converted whole with std::from_chars, else the error
  // `does_not_fit` followed by the token.
  template <typename Number>
  bool ReadNumber(Number& out, const char* does_not_fit);
  // Consumes `word` (true, false, null) when the text continues with it.
  bool Literal(std::string_view word);

  std::string_view text_;
  std::size_t pos_ = 0;
  // The last structural character consumed: '{', '[', ',', ':' or 'v' after a value.
  char prev_ = 0;
  int depth_ = 0;
  std::string scratch_;
  std::string error_;
};

}  // namespace kfm::store
