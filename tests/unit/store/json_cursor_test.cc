// The OTLP ingest's JSON pull reader: strict syntax, escapes, numbers and the errors it keeps.
#include "store/json_cursor.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::store {
namespace {

// Reads a flat object of string members (the cursor's own walk) into key/value pairs.
std::vector<std::pair<std::string, std::string>> Members(std::string_view text, bool* ok) {
  JsonCursor c(text);
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view key, value;
  if (c.BeginObject()) {
    while (c.NextKey(key)) {
      std::string k(key);
      if (!c.String(value)) break;
      out.emplace_back(k, std::string(value));
    }
  }
  *ok = c.ok() && c.AtEnd();
  return out;
}

// `doc`, a flat object of strings, dumped by nlohmann as UTF-8 and as ASCII (\u escapes,
// surrogate pairs), reads back member by member with the strings nlohmann holds.
void ExpectReadsAsNlohmannWrote(const nlohmann::json& doc) {
  for (const bool ascii : {false, true}) {
    const std::string text = doc.dump(-1, ' ', ascii);
    bool ok = false;
    auto members = Members(text, &ok);
    ASSERT_TRUE(ok) << text;
    ASSERT_EQ(members.size(), doc.size());
    for (const auto& [key, value] : members)
      EXPECT_EQ(value, doc.at(key).get<std::string>()) << key;
  }
}

TEST(JsonCursor, DecodesEscapesAsNlohmannDoes) {
  const nlohmann::json doc = {{"plain", "abc"},
                              {"quote", "say \"hi\"\\"},
                              {"controls", "a\tb\nc\x01"},
                              {"unicode", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}};
  ExpectReadsAsNlohmannWrote(doc);
}

TEST(JsonCursor, ReadsNumbersStrictly) {
  JsonCursor c(R"([0, -1.5e3, 9223372036854775807, 1.0])");
  ASSERT_TRUE(c.BeginArray());
  std::int64_t i = 0;
  double d = 0;
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.Int64(i));
  EXPECT_EQ(i, 0);
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.Double(d));
  EXPECT_EQ(d, -1500);
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.Int64(i));
  EXPECT_EQ(i, 9223372036854775807LL);
  ASSERT_TRUE(c.NextElement());
  EXPECT_FALSE(c.Int64(i));  // 1.0 is not an integer token
  EXPECT_NE(c.error().find("integer"), std::string::npos) << c.error();
}

TEST(JsonCursor, RefusesWhatJsonDoesNotAllow) {
  for (const char* bad : {R"({"a":"x",})", R"({"a":"x" "b":"y"})", R"({"a":01})", R"([1,])",
                          R"({"a":"unterminated)", R"({"a":"bad \q escape"})", "{\"a\":\"\x01\"}",
                          R"({"a":tru})", R"({"a":1} trailing)", R"({a:1})"}) {
    JsonCursor c(bad);
    const bool skipped = c.Skip() && c.AtEnd();
    EXPECT_FALSE(skipped && c.ok()) << bad;
    EXPECT_FALSE(nlohmann::json::accept(bad)) << bad;  // the oracle agrees it is bad
  }
}

TEST(JsonCursor, SkipsAnythingNlohmannAccepts) {
  const std::string text =
      R"({"a":[1,2,{"b":null,"c":[true,false,-0.5e-3]}],"d":{},"e":[],"f":"\u00e9"})";
  ASSERT_TRUE(nlohmann::json::accept(text));
  JsonCursor c(text);
  EXPECT_TRUE(c.Skip());
  EXPECT_TRUE(c.AtEnd());
  EXPECT_TRUE(c.ok()) << c.error();
}

TEST(JsonCursor, TheFirstErrorIsKept) {
  JsonCursor c(R"({"a": 1})");
  ASSERT_TRUE(c.BeginObject());
  std::string_view key;
  ASSERT_TRUE(c.NextKey(key));
  std::string_view s;
  EXPECT_FALSE(c.String(s));
  const std::string first = c.error();
  EXPECT_NE(first.find("expected a string, got a number"), std::string::npos) << first;
  EXPECT_FALSE(c.Skip());
  EXPECT_EQ(c.error(), first);
}

TEST(JsonCursor, DecodesEveryMixOfPlainRunsAndEscapesAsNlohmannDoes) {
  // Plain runs of every length between escapes, quotes, backslashes, control characters and
  // multi-byte UTF-8, at the start, the middle and the end of strings.
  const std::vector<std::string> pieces = {"a",
                                           "bc",
                                           "\"",
                                           "\\",
                                           "/",
                                           "\x01",
                                           "\n\t",
                                           "\x1f",
                                           "\xc3\xa9",
                                           "\xf0\x9f\x98\x80",
                                           "long plain run of text"};
  std::uint32_t state = 12345;  // a fixed linear congruential sequence: the same cases each run
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  nlohmann::json doc = nlohmann::json::object();
  for (int k = 0; k < 200; ++k) {
    std::string value;
    const unsigned count = next() % 6;
    for (unsigned p = 0; p < count; ++p) value += pieces[next() % pieces.size()];
    doc["k" + std::to_string(k)] = value;
  }
  ExpectReadsAsNlohmannWrote(doc);
}

TEST(JsonCursor, AStringWithoutEscapesIsAViewOfTheText) {
  const std::string text = R"(["plain", "esc\naped"])";
  JsonCursor c(text);
  ASSERT_TRUE(c.BeginArray());
  std::string_view s;
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.String(s));
  EXPECT_EQ(s, "plain");
  EXPECT_EQ(s.data(), text.data() + text.find("plain"));
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.String(s));
  EXPECT_EQ(s, "esc\naped");
  EXPECT_FALSE(s.data() >= text.data() && s.data() < text.data() + text.size());
}

// The message of the first error when `text` is skipped as one value.
std::string SkipError(const std::string& text) {
  JsonCursor c(text);
  if (c.Skip() && c.AtEnd()) return "";
  return c.error();
}

std::string At(const std::string& text, const std::string& what) {
  return " at byte " + std::to_string(text.find(what));
}

TEST(JsonCursor, ObjectsAndArraysNameTheirOwnBracketsInErrors) {
  std::string t = R"([1 2])";
  EXPECT_EQ(SkipError(t), "expected ',' or ']'" + At(t, "2"));
  t = R"({"a":1 "b":2})";
  EXPECT_EQ(SkipError(t), "expected ',' or '}'" + At(t, "\"b"));
  // After a comma a value must follow: the closing bracket is where it is missing.
  t = R"([1,2,])";
  EXPECT_EQ(SkipError(t), "invalid JSON" + At(t, "]"));
  t = R"({"a":1,})";
  EXPECT_EQ(SkipError(t), "expected a member name" + At(t, "}"));
  EXPECT_EQ(SkipError("[1, 2"), "unterminated array");
  EXPECT_EQ(SkipError(R"({"a": 1)"), "unterminated object");
  t = R"({"a": 1, 2})";
  EXPECT_EQ(SkipError(t), "expected a member name" + At(t, "2"));
  JsonCursor object("{}");
  EXPECT_FALSE(object.BeginArray());
  EXPECT_EQ(object.error(), "expected an array, got an object");
  JsonCursor array("[]");
  EXPECT_FALSE(array.BeginObject());
  EXPECT_EQ(array.error(), "expected an object, got an array");
  JsonCursor nested("[[[1], {\"a\": [true, null]}], []]");
  EXPECT_TRUE(nested.Skip());
  EXPECT_TRUE(nested.AtEnd());
  EXPECT_TRUE(nested.ok()) << nested.error();
}

TEST(JsonCursor, EachPartOfANumberNeedsADigit) {
  for (const std::string bad : {"-", "-x", "1.", "1.e5", "1e", "1e+", "-.5"}) {
    EXPECT_EQ(SkipError("[" + bad + "]"), "bad number at byte 1") << bad;
  }
  EXPECT_EQ(SkipError("[012]"), "number with a leading zero at byte 1");
  EXPECT_EQ(SkipError("[-0.5e-3, 0, 10, 1E+2]"), "");
  JsonCursor big("1e999");
  double d = 0;
  EXPECT_FALSE(big.Double(d));
  EXPECT_EQ(big.error(), "number out of range: 1e999");
  JsonCursor wide("99999999999999999999");
  std::int64_t i = 0;
  EXPECT_FALSE(wide.Int64(i));
  EXPECT_EQ(wide.error(), "expected an integer that fits 64 bits, got 99999999999999999999");
}

TEST(JsonCursor, LiteralsAreReadWholeOrNotAtAll) {
  JsonCursor c("[true, false, null]");
  ASSERT_TRUE(c.BeginArray());
  bool b = false;
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.Bool(b));
  EXPECT_TRUE(b);
  ASSERT_TRUE(c.NextElement());
  ASSERT_TRUE(c.Bool(b));
  EXPECT_FALSE(b);
  ASSERT_TRUE(c.NextElement());
  EXPECT_EQ(c.Peek(), JsonCursor::Type::kNull);
  ASSERT_TRUE(c.Skip());
  EXPECT_FALSE(c.NextElement());
  EXPECT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(SkipError("[fals]"), "bad literal at byte 1");
  EXPECT_EQ(SkipError("[nul]"), "bad literal at byte 1");
  EXPECT_EQ(SkipError("[t]"), "bad literal at byte 1");
}

}  // namespace
}  // namespace kfm::store
