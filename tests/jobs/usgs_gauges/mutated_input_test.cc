// Bad input is refused, never a crash: every fixture cut short and with bytes changed at
// many places goes through the readers, which must answer OK or InvalidArgument.
#include <gtest/gtest.h>

#include <algorithm>

#include "json_input.h"
#include "ogc_reader.h"
#include "usgs_test_util.h"
#include "waterml_reader.h"

namespace kfm::jobs::usgs {
namespace {

Status ReadAny(const std::string& text) {
  auto doc = ParseJson(text, "mutated.json");
  if (!doc.ok()) return doc.status();
  if (LooksLikeWaterMl(*doc)) return ReadWaterMl(*doc, text, "mutated.json").status();
  return ReadOgcPage(*doc, text, "mutated.json").status();
}

TEST(MutatedInput, ReadersRefuseWithoutCrashing) {
  for (const char* name :
       {"nwis_iv_ks.json", "ogc_continuous_page1.json", "ogc_continuous_page2.json"}) {
    const std::string text = testing::FixtureText(name);
    ASSERT_FALSE(text.empty()) << name;
    int refused = 0;
    const size_t step = std::max<size_t>(7, text.size() / 60);  // a debug build parses slowly
    for (size_t at = 0; at < text.size(); at += step) {
      std::vector<std::string> variants = {text.substr(0, at)};
      for (const char c : {'"', '}', '1', 'x', '-', '['}) {
        std::string changed = text;
        changed[at] = c;
        variants.push_back(changed);
      }
      for (const std::string& variant : variants) {
        const Status status = ReadAny(variant);
        EXPECT_TRUE(status.ok() || status.code() == Status::Code::kInvalidArgument)
            << name << " @" << at << ": " << status.message();
        if (!status.ok()) {
          ++refused;
          EXPECT_EQ(status.message().rfind("mutated.json:", 0), 0u) << status.message();
        }
      }
    }
    EXPECT_GT(refused, 50) << name;
  }
}

}  // namespace
}  // namespace kfm::jobs::usgs
