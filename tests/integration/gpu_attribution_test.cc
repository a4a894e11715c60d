// GPU energy attribution end to end: the real binary wraps a real child process that announces
// its own pid to the fake NVML (FAKE_NVML_PROCESSES_FILE) for a window it times itself, on a
// GPU drawing a known constant power; the node's figures are checked against power x window.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kFakeNvml = KFM_FAKE_NVML_PATH;
constexpr double kGpuWatts = 200.0;
// The sampler attributes whole intervals, so a window's edges are off by up to one period
// (50 ms of 1 s) each; 10% also leaves room for a sampler thread delayed on a loaded machine.
constexpr double kWindowTolerance = 0.10;

// One `kfm-energy run` and what it wrote.
struct NodeRun {
  CommandResult result;
  nlohmann::json span;                          // the node span
  std::map<std::string, nlohmann::json> attrs;  // its attributes, key -> AnyValue
  nlohmann::json energy;                        // the energy file
  nlohmann::json node;                          // its nodes[0]
  double listed_s = 0;                          // how long the child listed itself on the GPU
};

double Double(const nlohmann::json& any_value) { return any_value.at("doubleValue").get<double>(); }

// The named channel's entry in an energy file node.
nlohmann::json Channel(const nlohmann::json& node, const std::string& id) {
  for (const auto& channel : node.at("channels")) {
    if (channel.at("id") == id) return channel;
  }
  ADD_FAILURE() << "no channel " << id << " in " << node.dump();
  return nlohmann::json::object();
}

// Every number in `value`, recursively, with its path.
void CollectNumbers(const nlohmann::json& value, const std::string& path,
                    std::vector<std::pair<std::string, double>>& out) {
  if (value.is_number()) {
    out.emplace_back(path, value.get<double>());
  } else if (value.is_object()) {
    for (const auto& [key, child] : value.items()) CollectNumbers(child, path + "." + key, out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      CollectNumbers(value[i], path + "[" + std::to_string(i) + "]", out);
    }
  }
}

class GpuAttributionTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(home_.path() + "/empty-sysfs"); }

  [[nodiscard]] std::string ProcessesFile() const { return home_.path() + "/gpu-processes"; }

  // The environment of every run: fake NVML with one 200 W GPU, no RAPL, 50 ms sampler; any
  // FAKE_NVML_* inherited from the caller is removed, then `extra` ("KEY=value") is added.
  [[nodiscard]] std::vector<std::string> Env(const std::string& run_id,
                                             const std::vector<std::string>& extra) const {
    std::vector<std::string> env = {"KFM_HOME=" + home_.path(),
                                    "KFM_RUN_ID=" + run_id,
                                    "KFM_SYSFS_ROOT=" + home_.path() + "/empty-sysfs",
                                    "KFM_NVML_LIBRARY=" + kFakeNvml,
                                    "KFM_SAMPLE_INTERVAL_MS=50",
                                    "TRACEPARENT=",
                                    "FAKE_NVML_DEVICE_COUNT=",
                                    "FAKE_NVML_NO_ENERGY=",
                                    "FAKE_NVML_BURST=",
                                    "FAKE_NVML_INIT_FAIL=",
                                    "FAKE_NVML_PROCESSES=",
                                    "FAKE_NVML_UTIL_PERIOD_MS=",
                                    "FAKE_NVML_FAIL_AFTER_MS=",
                                    "FAKE_NVML_COUNTER_RESET_AFTER_MS=",
                                    "FAKE_NVML_POWER_MW=" + std::to_string(kGpuWatts * 1000),
                                    "FAKE_NVML_PROCESSES_FILE=" + ProcessesFile()};
    for (const auto& entry : extra) {
      const std::string key = entry.substr(0, entry.find('=') + 1);
      std::erase_if(env, [&key](const std::string& e) { return e.rfind(key, 0) == 0; });
      env.push_back(entry);
    }
    return env;
  }

  // A shell script that lists its own pid on `gpu` with `sm` (-1: context only) for
  // `seconds`, removes itself, then lingers off the GPU; it times the listed window with
  // `date`, from before the announcement to after the removal.
  [[nodiscard]] std::string UsesGpuScript(int gpu, int sm, double seconds) const {
    const std::string file = "'" + ProcessesFile() + "'";
    const std::string from = "'" + home_.path() + "/listed-from'";
    const std::string until = "'" + home_.path() + "/listed-until'";
    const std::string me = std::to_string(gpu) + " $$ ";
    std::ostringstream script;
    script << "date +%s.%N > " << from << "; echo \"" << me << sm << "\" >> " << file << "; sleep "
           << seconds << "; sed -i \"/^" << me << "/d\" " << file << "; date +%s.%N > " << until
           << "; sleep 0.2";
    return script.str();
  }

  NodeRun Run(const std::string& run_id, const std::string& script,
              const std::vector<std::string>& extra_env = {},
              const std::string& accounting = "auto") {
    NodeRun run;
    run.result = RunCommand({kBinary, "run", "-q", "--cpu-accounting", accounting, "--node",
                             "gpu_job", "--", "/bin/sh", "-c", script},
                            Env(run_id, extra_env));
    const std::string spans = home_.path() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
    const std::string energy = home_.path() + "/telemetry/energy/kfm-run-" + run_id + ".json";
    std::istringstream lines(ReadFile(spans));
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
      ++count;
      run.span = nlohmann::json::parse(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    }
    EXPECT_EQ(count, 1) << spans << "\n" << run.result.err;
    if (count == 0) return run;
    for (const auto& a : run.span["attributes"]) run.attrs[a["key"]] = a["value"];
    run.energy = nlohmann::json::parse(ReadFile(energy));
    EXPECT_EQ(run.energy["nodes"].size(), 1u);
    run.node = run.energy["nodes"][0];
    for (const std::string& file : {spans, energy}) {
      auto valid = RunCommand({kBinary, "validate", file});
      EXPECT_EQ(valid.exit_code, 0) << file << "\n" << valid.out << valid.err;
    }
    const std::string from = home_.path() + "/listed-from";
    const std::string until = home_.path() + "/listed-until";
    if (std::filesystem::exists(from) && std::filesystem::exists(until)) {
      run.listed_s = std::stod(ReadFile(until)) - std::stod(ReadFile(from));
    }
    return run;
  }

  // The span's and the energy file's GPU figures agree with each other and with the GPU's
  // measured energy over the node's lifetime, whatever the share.
  static void ExpectConsistentGpuFigures(const NodeRun& run) {
    const double gpu_j = Double(run.attrs.at("energy.gpu_j"));
    const double duration = Double(run.attrs.at("timing.duration_s"));
    ASSERT_GT(duration, 0);
    EXPECT_NEAR(Double(run.attrs.at("energy.gpu_w_avg")), gpu_j / duration, 1e-9 * gpu_j);
    EXPECT_DOUBLE_EQ(run.node["gpu"]["attributed_j"].get<double>(), gpu_j);
    EXPECT_DOUBLE_EQ(run.node["gpu"]["w_avg"].get<double>(),
                     Double(run.attrs.at("energy.gpu_w_avg")));
    EXPECT_LE(gpu_j, run.node["gpu"]["measured_j"].get<double>() + 1e-9);
    EXPECT_NEAR(
        Double(run.attrs.at("energy.total_j")),
        Double(run.attrs.at("energy.cpu_j")) + Double(run.attrs.at("energy.dram_j")) + gpu_j,
        1e-9 * (1 + gpu_j));
  }

  TempDir home_;
};

TEST_F(GpuAttributionTest, NodeAloneOnTheGpuGetsPowerTimesTheTimeItWasListed) {
  // Both ways of finding a pid's node: the cgroup of the pid, and the /proc tree walk.
  for (const std::string accounting : {"auto", "procfs"}) {
    SCOPED_TRACE(accounting);
    const std::string run_id = "gpu-alone-" + accounting;
    auto run = Run(run_id, UsesGpuScript(0, 90, 1.0), {}, accounting);
    ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
    ASSERT_GT(run.listed_s, 0.9);
    EXPECT_EQ(run.attrs["energy.gpu_method"]["stringValue"], "nvml-energy");
    EXPECT_EQ(run.node["gpu"]["method"], "nvml-energy");
    const double expected = kGpuWatts * run.listed_s;
    EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
    // The counter is exact: the GPU's energy over the node's whole life, listed or not.
    const double duration = Double(run.attrs["timing.duration_s"]);
    EXPECT_GT(duration, run.listed_s);
    EXPECT_NEAR(run.node["gpu"]["measured_j"].get<double>(), kGpuWatts * duration,
                0.02 * kGpuWatts * duration);
    EXPECT_DOUBLE_EQ(Channel(run.node, "nvml:0")["attributed_j"].get<double>(),
                     Double(run.attrs["energy.gpu_j"]));
    ExpectConsistentGpuFigures(run);
  }
}

TEST_F(GpuAttributionTest, ForeignProcessOnTheSameGpuTakesItsSmShare) {
  // pid 1 is never in the node's tree. The driver samples utilisation faster than kfm-energy
  // reads it, so every interval has fresh samples (see the regression test below otherwise).
  WriteFile(ProcessesFile(), "0 1 30\n");
  auto run = Run("gpu-foreign", UsesGpuScript(0, 90, 1.0), {"FAKE_NVML_UTIL_PERIOD_MS=20"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.attrs["energy.gpu_method"]["stringValue"], "nvml-energy");
  const double expected = kGpuWatts * run.listed_s * 90.0 / (90.0 + 30.0);
  EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
  ExpectConsistentGpuFigures(run);
}

// Regression: with a sampler period shorter than the driver's utilisation period (here 50 ms
// against 200 ms), most intervals bring no new utilisation sample, and kfm-energy then splits
// the GPU equally between the processes holding a context: the node gets about 56% instead of
// 75%. Disabled until NvmlSource/Sampler keep the last known SM shares for such intervals.
TEST_F(GpuAttributionTest, SmShareIsNotDilutedWhenTheSamplerOutpacesDriverUtilisation) {
  WriteFile(ProcessesFile(), "0 1 30\n");
  auto run = Run("gpu-slow-driver", UsesGpuScript(0, 90, 1.0), {"FAKE_NVML_UTIL_PERIOD_MS=200"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const double expected = kGpuWatts * run.listed_s * 90.0 / (90.0 + 30.0);
  EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
}

TEST_F(GpuAttributionTest, ContextOnlyProcessesSplitTheGpuEqually) {
  // SM -1: the driver gives no per-process utilisation on this GPU, only compute contexts.
  WriteFile(ProcessesFile(), "0 1 -1\n");
  auto run = Run("gpu-contexts", UsesGpuScript(0, -1, 1.0));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.attrs["energy.gpu_method"]["stringValue"], "nvml-energy");
  const double expected = kGpuWatts * run.listed_s / 2;
  EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
  ExpectConsistentGpuFigures(run);
}

TEST_F(GpuAttributionTest, PowerOnlyGpuIsIntegratedToTheSameFigure) {
  auto run = Run("gpu-power", UsesGpuScript(0, 90, 1.0), {"FAKE_NVML_NO_ENERGY=1"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.attrs["energy.gpu_method"]["stringValue"], "nvml-power");
  EXPECT_EQ(run.node["gpu"]["method"], "nvml-power");
  const double expected = kGpuWatts * run.listed_s;
  EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
  // Constant power: the trapezoid rule is exact over the node's life.
  const double duration = Double(run.attrs["timing.duration_s"]);
  EXPECT_NEAR(run.node["gpu"]["measured_j"].get<double>(), kGpuWatts * duration,
              0.02 * kGpuWatts * duration);
  ExpectConsistentGpuFigures(run);
}

TEST_F(GpuAttributionTest, ProcessOnTheSecondGpuGetsThatGpuOnly) {
  auto run = Run("gpu-second", UsesGpuScript(1, 90, 1.0), {"FAKE_NVML_DEVICE_COUNT=2"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const double expected = kGpuWatts * run.listed_s;
  EXPECT_NEAR(Channel(run.node, "nvml:1")["attributed_j"].get<double>(), expected,
              kWindowTolerance * expected);
  EXPECT_EQ(Channel(run.node, "nvml:0")["attributed_j"].get<double>(), 0.0);
  EXPECT_NEAR(Double(run.attrs["energy.gpu_j"]), expected, kWindowTolerance * expected);
  // Both GPUs were measured all along.
  const double duration = Double(run.attrs["timing.duration_s"]);
  EXPECT_NEAR(run.node["gpu"]["measured_j"].get<double>(), 2 * kGpuWatts * duration,
              0.02 * 2 * kGpuWatts * duration);
  ExpectConsistentGpuFigures(run);
}

TEST_F(GpuAttributionTest, NodeThatNeverTouchesTheGpuGetsNoneOfIt) {
  // The GPU is busy, but with someone else's process.
  WriteFile(ProcessesFile(), "0 1 50\n");
  auto run = Run("gpu-untouched", "sleep 0.5");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.attrs["energy.gpu_method"]["stringValue"], "nvml-energy");
  EXPECT_EQ(Double(run.attrs["energy.gpu_j"]), 0.0);
  EXPECT_EQ(Double(run.attrs["energy.gpu_w_avg"]), 0.0);
  EXPECT_GT(run.node["gpu"]["measured_j"].get<double>(), 0.0);
  const double duration = Double(run.attrs["timing.duration_s"]);
  EXPECT_NEAR(run.node["gpu"]["measured_j"].get<double>(), kGpuWatts * duration,
              0.02 * kGpuWatts * duration);
  ExpectConsistentGpuFigures(run);
}

TEST_F(GpuAttributionTest, GpuLostMidRunKeepsTheRunAndRecordsTheFailure) {
  // The fake's clock starts when kfm-energy opens NVML; the GPU is lost 0.6 s later, while
  // the node is still listed on it.
  constexpr double kFailAfterS = 0.6;
  auto run = Run("gpu-lost", UsesGpuScript(0, 90, 1.5),
                 {"FAKE_NVML_FAIL_AFTER_MS=" + std::to_string(kFailAfterS * 1000)});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  // Status UNSET (0), which OTLP JSON may leave out; ERROR would be 2.
  EXPECT_EQ(run.span.value("status", nlohmann::json::object()).value("code", 0), 0)
      << "a lost GPU is no failure of the work: " << run.span.dump();

  bool has_event = false;
  for (const auto& event : run.span["events"]) {
    if (event["name"] != "kfm.energy.source_failed") continue;
    has_event = true;
    EXPECT_NE(event.dump().find("nvml:0"), std::string::npos) << "names the GPU: " << event;
  }
  EXPECT_TRUE(has_event) << run.span.dump();
  EXPECT_NE(run.node["sampler"]["notes"].dump().find("nvml:0"), std::string::npos)
      << run.node["sampler"].dump();

  // Only what the GPU consumed before it was lost, and no catch-up jump after.
  const double measured = run.node["gpu"]["measured_j"].get<double>();
  EXPECT_LE(measured, kGpuWatts * kFailAfterS + 1.0);
  EXPECT_LT(Double(run.attrs["energy.gpu_j"]), measured + 1e-9);

  // Nothing negative anywhere: every span attribute and every number in the energy file.
  for (const auto& [key, value] : run.attrs) {
    if (value.contains("doubleValue")) {
      EXPECT_GE(value["doubleValue"].get<double>(), 0.0) << key;
      EXPECT_TRUE(std::isfinite(value["doubleValue"].get<double>())) << key;
    }
    if (value.contains("intValue")) {
      EXPECT_GE(std::stoll(value["intValue"].get<std::string>()), 0) << key;
    }
  }
  std::vector<std::pair<std::string, double>> numbers;
  CollectNumbers(run.energy, "energy", numbers);
  EXPECT_FALSE(numbers.empty());
  for (const auto& [path, number] : numbers) EXPECT_GE(number, 0.0) << path;
  ExpectConsistentGpuFigures(run);
}

}  // namespace
}  // namespace kfm::testing
