// Replays the fuzz seed corpora (fuzz/corpus/<target>/) and every input a fuzzer ever crashed
// on (fuzz/regressions/<target>/) through the same checks the libFuzzer targets make
// (fuzz/checks.h), so a fixed crash stays fixed in the ordinary and ASan test builds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "../../../fuzz/checks.h"

namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(KFM_FIXTURES_DIR) / ".." / ".." / "fuzz";

using Check = std::function<std::string(std::string_view)>;
const std::map<std::string, Check>& Checks() {
  static const std::map<std::string, Check> checks = {
      {"pipeline_yaml", kfm::fuzz::CheckPipelineYaml},
      {"node_report", kfm::fuzz::CheckNodeReport},
      {"traceparent", kfm::fuzz::CheckTraceparent},
      {"otlp_json", kfm::fuzz::CheckOtlpJson},
      {"carbon_table", kfm::fuzz::CheckCarbonTable},
      {"carbon_import", kfm::fuzz::CheckCarbonImport},
  };
  return checks;
}

std::string ReadAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs every file under `<kFuzzDir>/<kind>/<target>/`; returns how many ran.
int ReplayAll(const std::string& kind) {
  int replayed = 0;
  for (const auto& [target, check] : Checks()) {
    const fs::path dir = kFuzzDir / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(check(ReadAll(entry.path())), "");
      ++replayed;
    }
  }
  return replayed;
}

TEST(FuzzRegressionsTest, EverySeedCorpusTargetHasACheckAndInputs) {
  for (const auto& entry : fs::directory_iterator(kFuzzDir / "corpus")) {
    EXPECT_TRUE(Checks().contains(entry.path().filename().string())) << entry.path();
  }
  for (const auto& [target, check] : Checks()) {
    EXPECT_TRUE(fs::is_directory(kFuzzDir / "corpus" / target)) << target;
  }
}

TEST(FuzzRegressionsTest, SeedCorporaAreHandled) { EXPECT_GT(ReplayAll("corpus"), 6); }

TEST(FuzzRegressionsTest, EveryKeptCrashInputIsHandled) { ReplayAll("regressions"); }

// The checks themselves can fail: a refusal that does not name the file is caught.
TEST(FuzzRegressionsTest, ChecksCatchARefusalWithoutTheFile) {
  EXPECT_NE(kfm::fuzz::NamesFile("line 3: bad", "fuzz.yaml"), "");
  EXPECT_EQ(kfm::fuzz::NamesFile("fuzz.yaml:3:1: nodes: bad", "fuzz.yaml"), "");
}

// A malformed pipeline is refused naming file, line and field.
TEST(FuzzRegressionsTest, MalformedPipelineNamesFileLineAndField) {
  auto spec =
      kfm::pipeline::ParsePipeline("pipeline: p\nnodes:\n  a:\n    retries: many\n", "p.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("p.yaml:4"), std::string::npos) << spec.status().message();
  EXPECT_NE(spec.status().message().find("retries"), std::string::npos) << spec.status().message();
}

}  // namespace
