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

TEST(JsonCursor, DecodesEscapesAsNlohmannDoes) {
  const nlohmann::json doc = {{"plain", "abc"},
                              {"quote", "say \"hi\"\\"},
                              {"controls", "a\tb\nc\x01"},
                              {"unicode", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}};
  for (const bool ascii : {false, true}) {
    const std::string text = doc.dump(-1, ' ', ascii);  // ascii: \u escapes, surrogate pairs
    bool ok = false;
    auto members = Members(text, &ok);
    ASSERT_TRUE(ok) << text;
    ASSERT_EQ(members.size(), doc.size());
    for (const auto& [key, value] : members)
      EXPECT_EQ(value, doc.at(key).get<std::string>()) << key;
  }
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

}  // namespace
}  // namespace kfm::store
