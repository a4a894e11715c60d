// `kfm-energy probe` end to end: the real binary against the fake sysfs trees under
// tests/fixtures/sysfs and the fake NVML; checks what is used, what is skipped and why, in
// both the JSON and the text output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kFakeNvml = KFM_FAKE_NVML_PATH;
const std::string kSysfs = std::string(KFM_FIXTURES_DIR) + "/sysfs/";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ProbeTest : public ::testing::Test {
 protected:
  // The environment: `sysfs` fixture, `nvml` library, 50 ms sampler, no inherited FAKE_NVML_*;
  // then `extra` ("KEY=value") replaces or adds.
  static std::vector<std::string> Env(const std::string& sysfs, const std::string& nvml,
                                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> env = {
        "KFM_SYSFS_ROOT=" + sysfs, "KFM_NVML_LIBRARY=" + nvml,  "KFM_SAMPLE_INTERVAL_MS=50",
        "FAKE_NVML_DEVICE_COUNT=", "FAKE_NVML_NO_ENERGY=",      "FAKE_NVML_INIT_FAIL=",
        "FAKE_NVML_PROCESSES=",    "FAKE_NVML_PROCESSES_FILE=", "FAKE_NVML_FAIL_AFTER_MS="};
    for (const auto& entry : extra) {
      const std::string key = entry.substr(0, entry.find('=') + 1);
      std::erase_if(env, [&key](const std::string& e) { return e.rfind(key, 0) == 0; });
      env.push_back(entry);
    }
    return env;
  }

  // `probe --json`, parsed, after checking the exit code.
  static nlohmann::json ProbeJson(const std::vector<std::string>& env) {
    auto result = RunCommand({kBinary, "probe", "--json"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "stdout is not JSON:\n" << result.out;
    return parsed.is_discarded() ? nlohmann::json::object() : parsed;
  }

  // Plain `probe`'s stdout, after checking the exit code.
  static std::string ProbeText(const std::vector<std::string>& env) {
    auto result = RunCommand({kBinary, "probe"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  // The report of one source ("rapl", "nvml", "model") in `probe --json`.
  static nlohmann::json Source(const nlohmann::json& probe, const std::string& name) {
    for (const auto& source : probe.value("sources", nlohmann::json::array())) {
      if (source.at("source") == name) return source;
    }
    ADD_FAILURE() << "no source " << name << " in " << probe.dump(2);
    return {{"source", name}, {"used", false}, {"reason", ""}, {"details", {}}};
  }

  const std::string missing_nvml_ = kSysfs + "no-such-libnvidia-ml.so.1";
};

TEST_F(ProbeTest, TwoSocketIntelUsesRaplAndSkipsTheDuplicateMmioZone) {
  const auto env = Env(kSysfs + "two-socket-intel", missing_nvml_);
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["cpu_method"], "rapl");
  EXPECT_EQ(probe["dram_method"], "rapl");
  EXPECT_EQ(probe["gpu_method"], "none");
  EXPECT_EQ(probe["sysfs_root"], kSysfs + "two-socket-intel");
  EXPECT_EQ(probe["sample_interval_ms"], 50);
  const auto rapl = Source(probe, "rapl");
  EXPECT_TRUE(rapl["used"].get<bool>());
  bool mmio_duplicate = false;
  for (const auto& detail : rapl["details"]) {
    const auto text = detail.get<std::string>();
    if (text.rfind("intel-rapl-mmio:0", 0) == 0) mmio_duplicate = Contains(text, "duplicate");
  }
  EXPECT_TRUE(mmio_duplicate) << rapl.dump(2);
  EXPECT_FALSE(Source(probe, "model")["used"].get<bool>());
  EXPECT_FALSE(Source(probe, "nvml")["used"].get<bool>());

  const auto text = ProbeText(env);
  EXPECT_TRUE(Contains(text, "[used]    rapl:")) << text;
  EXPECT_TRUE(Contains(text, "intel-rapl-mmio:0")) << text;
  EXPECT_TRUE(Contains(text, "duplicate of intel-rapl:0")) << text;
  EXPECT_TRUE(Contains(text, "Methods: cpu=rapl dram=rapl gpu=none")) << text;
  EXPECT_TRUE(Contains(text, "Sampler period: 50 ms")) << text;
}

TEST_F(ProbeTest, AmdEpycMeasuresTheCpuAndModelsDram) {
  const auto env = Env(kSysfs + "amd-epyc", missing_nvml_);
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["cpu_method"], "rapl");
  EXPECT_EQ(probe["dram_method"].get<std::string>().rfind("model-ccf", 0), 0u) << probe.dump(2);
  EXPECT_TRUE(Source(probe, "rapl")["used"].get<bool>());
  const auto model = Source(probe, "model");
  EXPECT_TRUE(model["used"].get<bool>());
  EXPECT_TRUE(Contains(model["reason"], "memory")) << model.dump(2);

  const auto text = ProbeText(env);
  EXPECT_TRUE(Contains(text, "[used]    rapl:")) << text;
  EXPECT_TRUE(Contains(text, "[used]    model:")) << text;
  EXPECT_TRUE(Contains(text, "Methods: cpu=rapl dram=model-ccf")) << text;
}

TEST_F(ProbeTest, NoRaplFallsBackToTheModelAndSaysWhy) {
  const std::string sysfs = kSysfs + "no-rapl";
  const auto env = Env(sysfs, missing_nvml_);
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["cpu_method"].get<std::string>().rfind("model-ccf", 0), 0u) << probe.dump(2);
  EXPECT_EQ(probe["dram_method"].get<std::string>().rfind("model-ccf", 0), 0u) << probe.dump(2);
  const auto rapl = Source(probe, "rapl");
  EXPECT_FALSE(rapl["used"].get<bool>());
  EXPECT_TRUE(Contains(rapl["reason"], "no RAPL zones")) << rapl.dump(2);
  EXPECT_TRUE(Contains(rapl["reason"], sysfs + "/class/powercap")) << rapl.dump(2);
  const auto model = Source(probe, "model");
  EXPECT_TRUE(model["used"].get<bool>());
  EXPECT_TRUE(Contains(model["reason"], "CPU and memory")) << model.dump(2);
  EXPECT_FALSE(model["details"].empty()) << "the model's coefficients are shown";

  const auto text = ProbeText(env);
  EXPECT_TRUE(Contains(text, "[skipped] rapl: no RAPL zones under " + sysfs)) << text;
  EXPECT_TRUE(Contains(text, "[used]    model:")) << text;
  EXPECT_TRUE(Contains(text, "Methods: cpu=model-ccf")) << text;
}

TEST_F(ProbeTest, FakeNvmlWithTwoGpusIsUsedWithItsEnergyCounter) {
  const auto env = Env(kSysfs + "no-rapl", kFakeNvml, {"FAKE_NVML_DEVICE_COUNT=2"});
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["gpu_method"], "nvml-energy");
  EXPECT_EQ(probe["nvml_library"], kFakeNvml);
  const auto nvml = Source(probe, "nvml");
  EXPECT_TRUE(nvml["used"].get<bool>());
  EXPECT_TRUE(Contains(nvml["reason"], "2 GPU")) << nvml.dump(2);
  ASSERT_EQ(nvml["details"].size(), 2u) << nvml.dump(2);
  EXPECT_EQ(nvml["details"][0].get<std::string>().rfind("nvml:0 ", 0), 0u) << nvml.dump(2);
  EXPECT_EQ(nvml["details"][1].get<std::string>().rfind("nvml:1 ", 0), 0u) << nvml.dump(2);
  for (const auto& detail : nvml["details"]) EXPECT_TRUE(Contains(detail, "nvml-energy"));

  const auto text = ProbeText(env);
  EXPECT_TRUE(Contains(text, "[used]    nvml: 2 GPU")) << text;
  EXPECT_TRUE(Contains(text, "gpu=nvml-energy")) << text;
}

TEST_F(ProbeTest, FakeNvmlWithoutEnergyCounterFallsBackToPower) {
  const auto env =
      Env(kSysfs + "no-rapl", kFakeNvml, {"FAKE_NVML_DEVICE_COUNT=2", "FAKE_NVML_NO_ENERGY=1"});
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["gpu_method"], "nvml-power");
  const auto nvml = Source(probe, "nvml");
  EXPECT_TRUE(nvml["used"].get<bool>());
  ASSERT_EQ(nvml["details"].size(), 2u) << nvml.dump(2);
  for (const auto& detail : nvml["details"]) {
    EXPECT_TRUE(Contains(detail, "nvml-power")) << detail;
    EXPECT_TRUE(Contains(detail, "Not Supported")) << "says why: " << detail;
  }
  EXPECT_TRUE(Contains(ProbeText(env), "gpu=nvml-power"));
}

TEST_F(ProbeTest, MissingNvmlIsSkippedNamingTheLibrary) {
  const auto env = Env(kSysfs + "no-rapl", missing_nvml_);
  const auto probe = ProbeJson(env);
  EXPECT_EQ(probe["gpu_method"], "none");
  const auto nvml = Source(probe, "nvml");
  EXPECT_FALSE(nvml["used"].get<bool>());
  EXPECT_TRUE(Contains(nvml["reason"], missing_nvml_)) << nvml.dump(2);
  EXPECT_TRUE(Contains(nvml["reason"], "KFM_NVML_LIBRARY")) << "says how to point elsewhere";

  const auto text = ProbeText(env);
  EXPECT_TRUE(Contains(text, "[skipped] nvml: ")) << text;
  EXPECT_TRUE(Contains(text, missing_nvml_)) << text;
  EXPECT_TRUE(Contains(text, "gpu=none")) << text;
}

TEST_F(ProbeTest, NvmlThatFailsToInitialiseIsSkippedWithTheDriversError) {
  const auto env = Env(kSysfs + "no-rapl", kFakeNvml, {"FAKE_NVML_INIT_FAIL=1"});
  const auto nvml = Source(ProbeJson(env), "nvml");
  EXPECT_FALSE(nvml["used"].get<bool>());
  EXPECT_TRUE(Contains(nvml["reason"], "nvmlInit")) << nvml.dump(2);
  EXPECT_TRUE(Contains(nvml["reason"], kFakeNvml)) << nvml.dump(2);
}

TEST_F(ProbeTest, BadSampleIntervalIsExit2NamingTheVariable) {
  for (const std::string flag : {"--json", ""}) {
    std::vector<std::string> argv = {kBinary, "probe"};
    if (!flag.empty()) argv.push_back(flag);
    auto result =
        RunCommand(argv, Env(kSysfs + "no-rapl", missing_nvml_, {"KFM_SAMPLE_INTERVAL_MS=abc"}));
    EXPECT_EQ(result.exit_code, 2) << flag;
    EXPECT_TRUE(Contains(result.err, "KFM_SAMPLE_INTERVAL_MS")) << result.err;
    EXPECT_TRUE(Contains(result.err, "abc")) << result.err;
  }
}

TEST_F(ProbeTest, HelpExplainsTheFallbackOrder) {
  auto result = RunCommand({kBinary, "probe", "--help"}, Env(kSysfs + "no-rapl", missing_nvml_));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const std::string help = result.out + result.err;
  EXPECT_TRUE(Contains(help, "--json")) << help;
  EXPECT_TRUE(Contains(help, "Fallback order")) << help;
  EXPECT_TRUE(Contains(help, "RAPL")) << help;
  EXPECT_TRUE(Contains(help, "NVML energy counter")) << help;
  EXPECT_TRUE(Contains(help, "NVML power")) << help;
  EXPECT_TRUE(Contains(help, "KFM_SYSFS_ROOT")) << help;
  EXPECT_TRUE(Contains(help, "KFM_NVML_LIBRARY")) << help;
}

}  // namespace
}  // namespace kfm::testing

namespace kfm::testing {
namespace {

TEST(ProbeCarbonTest, ShowsTheFactorRunWouldUseAndRefusesAnUnknownRegion) {
  TempDir home;
  const std::vector<std::string> env = {"KFM_HOME=" + home.path(), "KFM_REGION=SWPP",
                                        "KFM_CARBON_TABLES="};
  auto json = RunCommand({kBinary, "probe", "--json"}, env);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto probe = nlohmann::json::parse(json.out);
  EXPECT_EQ(probe["carbon"]["region"], "SWPP");
  EXPECT_EQ(probe["carbon"]["resolution"], "year");
  EXPECT_EQ(probe["carbon"]["table"], "electricitymaps-yearly@0.19.0");
  auto lookup = RunCommand({kBinary, "carbon", "lookup", "--json"}, env);
  ASSERT_EQ(lookup.exit_code, 0) << lookup.err;
  EXPECT_EQ(probe["carbon"]["gco2e_per_kwh"], nlohmann::json::parse(lookup.out)["gco2e_per_kwh"]);

  auto text = RunCommand({kBinary, "probe"}, {"KFM_HOME=" + home.path(), "KFM_REGION=ATLANTIS"});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.out.find("Carbon: KFM_REGION: unknown grid region 'ATLANTIS'"), std::string::npos)
      << text.out;
}

}  // namespace
}  // namespace kfm::testing
