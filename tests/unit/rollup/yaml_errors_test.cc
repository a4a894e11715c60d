// The rollup area's shared YAML helpers: the single-key top level that budgets.yaml and the
// gate's waiver file share, and reading a file for a Parse*File function.
#include "rollup/yaml_errors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "subprocess.h"

namespace kfm::rollup {
namespace {

// The 1-based line of the first line of `text` that starts with `prefix`.
int LineOf(std::string_view text, std::string_view prefix) {
  int line = 1;
  std::size_t start = 0;
  while (start < text.size()) {
    if (text.substr(start, prefix.size()) == prefix) return line;
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) break;
    start = end + 1;
    ++line;
  }
  return 0;
}

TEST(SingleKeyDocument, ReturnsTheValueOfItsOneKey) {
  auto doc = LoadSingleKeyDocument("# comment\nwaivers:\n  - a\n  - b\n", "w.yaml", "waivers");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_TRUE(doc->root.IsMap());
  ASSERT_TRUE(doc->value.IsSequence());
  ASSERT_EQ(doc->value.size(), 2u);
  EXPECT_EQ(doc->value[1].Scalar(), "b");
}

TEST(SingleKeyDocument, AnAbsentKeyIsANullValueNotAnError) {
  auto doc = LoadSingleKeyDocument("{}\n", "b.yaml", "budgets");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_TRUE(doc->root.IsMap());
  EXPECT_TRUE(doc->value.IsNull());
  auto empty = LoadSingleKeyDocument("budgets:\n", "b.yaml", "budgets");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->value.IsNull());
}

TEST(SingleKeyDocument, AnotherKeyIsAnErrorAtItsLineAndColumn) {
  const std::string text = "budgets:\n  nightly: {j_per_run: 1}\nbudget:\n  x: 1\n";
  auto doc = LoadSingleKeyDocument(text, "b.yaml", "budgets");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(doc.status().message(), "b.yaml:" + std::to_string(LineOf(text, "budget:")) +
                                        ":1: budget: unknown key; known keys: budgets");
}

TEST(SingleKeyDocument, ATopLevelThatIsNotAMapNamesTheKeyItWants) {
  for (const auto& [text, got] :
       {std::pair{"- a\n- b\n", "a list"}, std::pair{"7\n", "'7'"}, std::pair{"", "null"}}) {
    auto doc = LoadSingleKeyDocument(text, "w.yaml", "waivers");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_EQ(doc.status().code(), Status::Code::kInvalidArgument);
    const std::string& message = doc.status().message();
    EXPECT_NE(message.find("(top level): expected a map with `waivers`, got " + std::string(got)),
              std::string::npos)
        << message;
    EXPECT_EQ(message.rfind("w.yaml:", 0), 0u) << message;
  }
}

TEST(SingleKeyDocument, ASyntaxErrorIsReportedAsSuch) {
  auto doc = LoadSingleKeyDocument("budgets: [1, 2\n", "b.yaml", "budgets");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find(": syntax: "), std::string::npos) << doc.status().message();
}

// A Parse*File stand-in that echoes what it was given.
Result<std::string> EchoParse(std::string_view text, const std::filesystem::path& path) {
  if (text.empty()) return Status::InvalidArgument(path.string() + ": empty");
  return path.filename().string() + "=" + std::string(text);
}

TEST(ParseTextFile, HandsTheWholeTextAndThePathToTheParser) {
  kfm::testing::TempDir dir;
  const std::string path = dir.path() + "/in.yaml";
  const std::string text = "line one\nline two\n";
  kfm::testing::WriteFile(path, text);
  auto parsed = ParseTextFile(path, &EchoParse);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, "in.yaml=" + text);
}

TEST(ParseTextFile, TheParsersErrorAndAMissingFileComeBackAsTheyAre) {
  kfm::testing::TempDir dir;
  const std::string empty = dir.path() + "/empty.yaml";
  kfm::testing::WriteFile(empty, "");
  auto parsed = ParseTextFile(empty, &EchoParse);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), empty + ": empty");
  const std::string missing = dir.path() + "/missing.yaml";
  parsed = ParseTextFile(missing, &EchoParse);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kNotFound);
  EXPECT_NE(parsed.status().message().find(missing), std::string::npos)
      << parsed.status().message();
}

}  // namespace
}  // namespace kfm::rollup
