// NvmlSource against the fake NVML library (tests/fixtures/fake_nvml), configured through
// FAKE_NVML_* environment variables that the fake reads at nvmlInit_v2.
#include "meter/nvml_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace kfm::meter {
namespace {

using std::chrono::steady_clock;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kFakeNvml = KFM_FAKE_NVML_PATH;
constexpr const char* kVariables[] = {
    "KFM_NVML_LIBRARY",        "FAKE_NVML_DEVICE_COUNT",
    "FAKE_NVML_POWER_MW",      "FAKE_NVML_NO_ENERGY",
    "FAKE_NVML_BURST",         "FAKE_NVML_INIT_FAIL",
    "FAKE_NVML_PROCESSES",     "FAKE_NVML_UTIL_PERIOD_MS",
    "FAKE_NVML_FAIL_AFTER_MS", "FAKE_NVML_COUNTER_RESET_AFTER_MS",
};

class NvmlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { ClearEnvironment(); }
  void TearDown() override { ClearEnvironment(); }

  static void ClearEnvironment() {
    for (const char* name : kVariables) unsetenv(name);
  }
  static void Set(const char* name, const std::string& value) {
    setenv(name, value.c_str(), /*overwrite=*/1);
  }
  static std::unique_ptr<NvmlSource> OpenFake() {
    auto source = NvmlSource::Open(kFakeNvml);
    EXPECT_TRUE(source.ok()) << source.status().message();
    return source.ok() ? std::move(source).value() : nullptr;
  }
};

ReadContext At(steady_clock::time_point now) {
  ReadContext context;
  context.now = now;
  return context;
}

double SecondsBetween(steady_clock::time_point a, steady_clock::time_point b) {
  return Seconds(b - a).count();
}

steady_clock::time_point Midpoint(steady_clock::time_point a, steady_clock::time_point b) {
  return a + (b - a) / 2;
}

// The fake's square wave, replicated: on_w for on_s, then off_w for off_s, from t = 0.
struct SquareWave {
  double on_w, on_s, off_w, off_s;
  [[nodiscard]] double PowerAt(double t) const {
    const double period = on_s + off_s;
    return std::fmod(t, period) < on_s ? on_w : off_w;
  }
  [[nodiscard]] double EnergyUntil(double t) const {
    const double period = on_s + off_s;
    const double cycles = std::floor(t / period);
    const double phase = t - cycles * period;
    const double partial = phase < on_s ? on_w * phase : on_w * on_s + off_w * (phase - on_s);
    return cycles * (on_w * on_s + off_w * off_s) + partial;
  }
};

TEST_F(NvmlSourceTest, MissingLibraryIsNotFoundNamingThePath) {
  const std::string path = "/nonexistent/kfm-test/libnvidia-ml.so.1";
  auto source = NvmlSource::Open(path);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr(path));
}

TEST_F(NvmlSourceTest, DefaultPathComesFromEnvironment) {
  EXPECT_EQ(NvmlLibrary::DefaultPath(), "libnvidia-ml.so.1");
  Set("KFM_NVML_LIBRARY", kFakeNvml);
  EXPECT_EQ(NvmlLibrary::DefaultPath(), kFakeNvml);
  auto source = NvmlSource::Open();
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->name(), "nvml");
}

TEST_F(NvmlSourceTest, LibraryResolvesEveryFunctionOfTheFake) {
  auto library = NvmlLibrary::Load(kFakeNvml);
  ASSERT_TRUE(library.ok()) << library.status().message();
  const nvml::Functions& fn = (*library)->fn();
  EXPECT_NE(fn.nvmlErrorString, nullptr);
  EXPECT_NE(fn.nvmlDeviceGetTotalEnergyConsumption, nullptr);
  EXPECT_NE(fn.nvmlDeviceGetPowerUsage, nullptr);
  EXPECT_NE(fn.nvmlDeviceGetProcessUtilization, nullptr);
  EXPECT_NE(fn.nvmlDeviceGetComputeRunningProcesses, nullptr);
  EXPECT_EQ((*library)->running_processes_symbol(), "nvmlDeviceGetComputeRunningProcesses_v3");
  EXPECT_EQ((*library)->ErrorString(nvml::NVML_ERROR_GPU_IS_LOST), "GPU is lost (NVML error 15)");
}

TEST_F(NvmlSourceTest, InitFailureIsNotFound) {
  Set("FAKE_NVML_INIT_FAIL", "1");
  auto source = NvmlSource::Open(kFakeNvml);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr("nvmlInit_v2"));
  EXPECT_THAT(source.status().message(), HasSubstr("Driver Not Loaded"));
  EXPECT_THAT(source.status().message(), HasSubstr(kFakeNvml));
}

TEST_F(NvmlSourceTest, NoGpuIsNotFound) {
  Set("FAKE_NVML_DEVICE_COUNT", "0");
  auto source = NvmlSource::Open(kFakeNvml);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr("no GPU"));
}

TEST_F(NvmlSourceTest, TwoGpusWithEnergyCounterReportPowerTimesElapsed) {
  Set("FAKE_NVML_DEVICE_COUNT", "2");
  Set("FAKE_NVML_POWER_MW", "150000");
  auto source = OpenFake();
  ASSERT_NE(source, nullptr);

  const auto& channels = source->channels();
  ASSERT_EQ(channels.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(channels[i].id, "nvml:" + std::to_string(i));
    EXPECT_EQ(channels[i].domain, Domain::kGpu);
    EXPECT_EQ(channels[i].index, i);
    EXPECT_EQ(channels[i].method, "nvml-energy");
    EXPECT_FALSE(channels[i].modelled);
    EXPECT_THAT(channels[i].detail, HasSubstr("Fake NVIDIA GPU " + std::to_string(i)));
    EXPECT_THAT(channels[i].detail, HasSubstr("GPU-fa4e"));
  }
  const auto lines = source->Describe();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[1], HasSubstr("nvml:1"));
  EXPECT_THAT(lines[1], HasSubstr("Fake NVIDIA GPU 1"));
  EXPECT_THAT(lines[1], HasSubstr("nvml-energy"));
  EXPECT_THAT(lines[1], HasSubstr("energy counter"));

  std::vector<Joules> start(2), end(2);
  const auto t0a = steady_clock::now();
  ASSERT_TRUE(source->Read(At(t0a), start).ok());
  const auto t0b = steady_clock::now();
  std::this_thread::sleep_for(300ms);
  const auto t1a = steady_clock::now();
  ASSERT_TRUE(source->Read(At(t1a), end).ok());
  const auto t1b = steady_clock::now();

  const double expected = 150.0 * SecondsBetween(Midpoint(t0a, t0b), Midpoint(t1a, t1b));
  for (int i = 0; i < 2; ++i) {
    // The counter starts at a large offset; only what accrued since Open counts.
    EXPECT_GE(start[i].value(), 0.0);
    EXPECT_LT(start[i].value(), 150.0 * SecondsBetween(t0a, t0b) + 10.0);
    EXPECT_NEAR((end[i] - start[i]).value(), expected, 0.03 * expected) << "GPU " << i;
  }
}

// Why power-only GPUs integrate every sample: over a bursty load (short 200 W bursts, 20 W
// between) the average of the first and last reading times the span is far from the truth,
// while the trapezoid over the samples taken at each read follows the wave.
TEST_F(NvmlSourceTest, PowerOnlyGpuIntegratesBurstsWithTrapezoidRule) {
  const SquareWave wave{.on_w = 200.0, .on_s = 0.050, .off_w = 20.0, .off_s = 0.150};
  Set("FAKE_NVML_NO_ENERGY", "1");
  Set("FAKE_NVML_POWER_MW", "200000");
  Set("FAKE_NVML_BURST", "50,150,20000");
  const auto before = steady_clock::now();
  auto source = OpenFake();
  const auto opened = steady_clock::now();
  ASSERT_NE(source, nullptr);
  ASSERT_EQ(source->channels().size(), 1u);
  EXPECT_EQ(source->channels()[0].method, "nvml-power");
  EXPECT_THAT(source->Describe()[0], HasSubstr("nvml-power"));
  EXPECT_THAT(source->Describe()[0], HasSubstr("Not Supported"));

  // The fake's wave starts at its nvmlInit, inside Open.
  const auto origin = Midpoint(before, opened);
  std::vector<Joules> energy(1);
  auto now = steady_clock::now();
  while (now - origin < 500ms) {  // ends 100 ms into the third 150 ms low phase
    std::this_thread::sleep_for(2ms);
    now = steady_clock::now();
    ASSERT_TRUE(source->Read(At(now), energy).ok());
  }
  const double start_s = SecondsBetween(origin, opened);
  const double end_s = SecondsBetween(origin, now);
  ASSERT_EQ(wave.PowerAt(end_s), wave.off_w) << "scheduler overshot into a burst; end " << end_s;

  const double truth = wave.EnergyUntil(end_s) - wave.EnergyUntil(start_s);
  const double endpoint_average =
      (wave.PowerAt(start_s) + wave.PowerAt(end_s)) / 2.0 * (end_s - start_s);
  EXPECT_NEAR(energy[0].value(), truth, 0.05 * truth);
  EXPECT_GT(std::abs(endpoint_average - truth), 0.30 * truth)
      << "endpoint average " << endpoint_average << " J, true " << truth << " J";
}

TEST_F(NvmlSourceTest, ClockThatDoesNotAdvanceAddsNothing) {
  Set("FAKE_NVML_NO_ENERGY", "1");
  auto source = OpenFake();
  ASSERT_NE(source, nullptr);
  std::vector<Joules> first(1), second(1);
  const auto now = steady_clock::now();
  ASSERT_TRUE(source->Read(At(now), first).ok());
  ASSERT_TRUE(source->Read(At(now - 1s), second).ok());
  EXPECT_EQ(second[0], first[0]);
  EXPECT_GE(second[0].value(), 0.0);
}

TEST_F(NvmlSourceTest, ProcessUseWithUtilisationCountsEachSampleOnce) {
  Set("FAKE_NVML_DEVICE_COUNT", "2");
  Set("FAKE_NVML_UTIL_PERIOD_MS", "150");
  Set("FAKE_NVML_PROCESSES", "0:2222:10,0:1111:40,1:3333:75");
  auto source = OpenFake();
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe()[0], HasSubstr("per-process SM utilisation"));

  std::vector<GpuProcessUse> use;
  std::this_thread::sleep_for(200ms);  // one driver sample, at 150 ms
  ASSERT_TRUE(source->ReadProcessUse(use).ok());
  ASSERT_EQ(use.size(), 3u);
  EXPECT_EQ(use[0].gpu_index, 0);
  EXPECT_EQ(use[0].pid, 1111u);
  EXPECT_DOUBLE_EQ(use[0].sm_util_pct, 40.0);
  EXPECT_EQ(use[1].pid, 2222u);
  EXPECT_DOUBLE_EQ(use[1].sm_util_pct, 10.0);
  EXPECT_EQ(use[2].gpu_index, 1);
  EXPECT_EQ(use[2].pid, 3333u);
  EXPECT_DOUBLE_EQ(use[2].sm_util_pct, 75.0);

  // No new sample since (the sampler ticks faster than the driver samples): the latest known
  // use stands, rather than an equal split by context for this window.
  ASSERT_TRUE(source->ReadProcessUse(use).ok());
  ASSERT_EQ(use.size(), 3u);
  EXPECT_DOUBLE_EQ(use[0].sm_util_pct, 40.0);
  EXPECT_DOUBLE_EQ(use[1].sm_util_pct, 10.0);
  EXPECT_DOUBLE_EQ(use[2].sm_util_pct, 75.0);

  std::this_thread::sleep_for(350ms);  // samples at 300 and 450 ms
  ASSERT_TRUE(source->ReadProcessUse(use).ok());
  ASSERT_EQ(use.size(), 3u);
  EXPECT_DOUBLE_EQ(use[0].sm_util_pct, 40.0);
  EXPECT_DOUBLE_EQ(use[2].sm_util_pct, 75.0);
}

TEST_F(NvmlSourceTest, ProcessUseWithoutUtilisationListsContexts) {
  Set("FAKE_NVML_PROCESSES", "0:4343:-1,0:4242:-1");
  auto source = OpenFake();
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe()[0], HasSubstr("compute context only"));

  std::vector<GpuProcessUse> use;
  ASSERT_TRUE(source->ReadProcessUse(use).ok());
  ASSERT_EQ(use.size(), 2u);
  EXPECT_EQ(use[0].pid, 4242u);
  EXPECT_EQ(use[1].pid, 4343u);
  for (const auto& process : use) {
    EXPECT_EQ(process.gpu_index, 0);
    EXPECT_LT(process.sm_util_pct, 0.0);
  }
}

TEST_F(NvmlSourceTest, GpuLostMidRunKeepsPreviousValue) {
  for (const bool energy_counter : {true, false}) {
    SCOPED_TRACE(energy_counter ? "nvml-energy" : "nvml-power");
    ClearEnvironment();
    Set("FAKE_NVML_DEVICE_COUNT", "2");
    Set("FAKE_NVML_FAIL_AFTER_MS", "200");
    if (!energy_counter) Set("FAKE_NVML_NO_ENERGY", "1");
    auto source = OpenFake();
    ASSERT_NE(source, nullptr);

    std::vector<Joules> before(2), after(2);
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(source->Read(At(steady_clock::now()), before).ok());
    EXPECT_GT(before[0].value(), 0.0);
    std::this_thread::sleep_for(250ms);
    const Status status = source->Read(At(steady_clock::now()), after);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), Status::Code::kUnavailable);
    EXPECT_THAT(status.message(), HasSubstr("nvml:0"));
    EXPECT_THAT(status.message(), HasSubstr("nvml:1"));
    EXPECT_THAT(status.message(), HasSubstr("GPU is lost"));
    EXPECT_EQ(after, before);
    for (const Joules joules : after) EXPECT_GE(joules.value(), 0.0);
  }
}

TEST_F(NvmlSourceTest, CounterGoingBackwardsIsTreatedAsReset) {
  Set("FAKE_NVML_POWER_MW", "100000");
  Set("FAKE_NVML_COUNTER_RESET_AFTER_MS", "150");
  const auto before = steady_clock::now();
  auto source = OpenFake();
  ASSERT_NE(source, nullptr);
  std::vector<Joules> first(1), second(1);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(source->Read(At(steady_clock::now()), first).ok());
  std::this_thread::sleep_for(250ms);
  ASSERT_TRUE(source->Read(At(steady_clock::now()), second).ok());
  const auto after = steady_clock::now();

  // What accrued since the reset at 150 ms is counted; nothing goes negative.
  EXPECT_GE(second[0], first[0]);
  const double since_reset_max = 100.0 * (SecondsBetween(before, after) - 0.150);
  EXPECT_LE((second[0] - first[0]).value(), since_reset_max * 1.03);
  EXPECT_GE((second[0] - first[0]).value(), 100.0 * 0.100);
}

}  // namespace
}  // namespace kfm::meter
