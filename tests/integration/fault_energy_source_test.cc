// Fault: an energy source failing mid-run. The RAPL counter stops giving readings for a while
// (the zone's file unreadable, as when the powercap driver goes away under an open file) and
// comes back: the intervals it missed, and the one whose jump covers the gap, are modelled and
// counted on the span (energy.substituted_intervals, energy.modelled) and in the energy
// document's sampler notes; no figure is negative and the measured part stays measured. (An
// NVML GPU failing mid-run: GpuAttributionTest.GpuLostMidRunKeepsTheRunAndRecordsTheFailure.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBinary = KFM_BINARY;

double Number(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  return static_cast<double>(std::stoll(any.at("intValue").get<std::string>()));
}

// A RAPL package zone whose energy_uj advances at `watts`, rewritten in place every 2 ms; while
// `failing` is set its content is not a number, so every read of it fails. The counter keeps
// counting meanwhile, so the first good read after the fault jumps over the whole gap.
class FailingRaplZone {
 public:
  FailingRaplZone(const std::string& sysfs_root, double watts) : watts_(watts) {
    const std::string dir = sysfs_root + "/class/powercap/intel-rapl:0";
    fs::create_directories(dir);
    WriteFile(dir + "/name", "package-0\n");
    WriteFile(dir + "/max_energy_range_uj", "262143328850\n");
    WriteFile(dir + "/enabled", "1\n");
    WriteFile(dir + "/energy_uj", "0\n");
    fd_ = ::open((dir + "/energy_uj").c_str(), O_WRONLY);
    start_ = std::chrono::steady_clock::now();
    Write();
    thread_ = std::thread([this] {
      while (!stop_) {
        Write();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  ~FailingRaplZone() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  FailingRaplZone(const FailingRaplZone&) = delete;
  FailingRaplZone& operator=(const FailingRaplZone&) = delete;
  std::atomic<bool> failing{false};

 private:
  void Write() {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char line[32];
    const int n = failing ? std::snprintf(line, sizeof(line), "%20s\n", "no-such-device")
                          : std::snprintf(line, sizeof(line), "%020llu\n",
                                          static_cast<unsigned long long>(watts_ * 1e6 * elapsed));
    (void)::pwrite(fd_, line, static_cast<size_t>(n), 0);
  }
  double watts_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(FaultEnergySourceTest, RaplCounterFailingMidRunIsModelledAndSaidSo) {
  TempDir dir;
  const std::string sysfs = dir.path() + "/sysfs";
  constexpr double kWatts = 20.0;
  FailingRaplZone zone(sysfs, kWatts);
  const std::string home = dir.path() + "/home";
  auto env = IsolatedRunEnv(home, "vanish-1", {"KFM_SYSFS_ROOT=" + sysfs});

  // No readings from 0.7 s to 1.5 s of a 2.5 s command.
  constexpr double kGoneS = 0.8;
  std::thread fault([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    zone.failing = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(kGoneS * 1000)));
    zone.failing = false;
  });
  const auto result =
      RunCommand({kBinary, "run", "--node", "vanish", "--", "/bin/sleep", "2.5"}, env);
  fault.join();
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto spans = ReadJsonLines(home + "/telemetry/otel/spans-kfm-run-vanish-1.json");
  ASSERT_EQ(spans.size(), 1u);
  auto attrs = SpanAttributes(spans[0]);
  EXPECT_EQ(attrs["energy.cpu_method"]["stringValue"], "rapl");
  EXPECT_EQ(attrs["energy.modelled"]["boolValue"], true) << "the gap was modelled, and says so";
  const double substituted = Number(attrs["energy.substituted_intervals"]);
  const double samples = Number(attrs["energy.samples"]);
  EXPECT_GE(substituted, 2) << "the missing samples and the jump after them";
  EXPECT_LT(substituted, samples) << "the rest stayed measured";
  for (const auto& [key, value] : attrs) {
    if (key.rfind("energy.", 0) != 0 || !value.contains("doubleValue")) continue;
    EXPECT_GE(value["doubleValue"].get<double>(), 0.0) << key;
    EXPECT_TRUE(std::isfinite(value["doubleValue"].get<double>())) << key;
  }
  // The measured part: at least the counter's rate over the time it could be read.
  const double duration = Number(attrs["timing.duration_s"]);
  const double measured_floor = kWatts * (duration - kGoneS - 0.3);
  EXPECT_GE(Number(attrs["energy.cpu_pkg_j"]), 0.95 * measured_floor);

  const std::string energy_file = home + "/telemetry/energy/kfm-run-vanish-1.json";
  const auto doc = nlohmann::json::parse(ReadFile(energy_file));
  const auto& node = doc["nodes"][0];
  EXPECT_EQ(node["sampler"]["substituted_intervals"].get<double>(), substituted);
  EXPECT_TRUE(node["cpu"]["modelled"].get<bool>());
  EXPECT_FALSE(node["sampler"]["notes"].empty()) << node["sampler"].dump();
  const auto valid = RunCommand(
      {kBinary, "validate", energy_file, home + "/telemetry/otel/spans-kfm-run-vanish-1.json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

}  // namespace
}  // namespace kfm::testing
