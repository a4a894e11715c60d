// Real RAPL and NVML, on machines that have them (ctest label `hw`). Each test skips when the
// hardware is absent, so the suite passes anywhere and means something on a device machine.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "meter/nvml_source.h"
#include "meter/rapl_source.h"
#include "meter/sysfs.h"

namespace kfm::meter {
namespace {

TEST(RealHardwareTest, RaplPackageCounterAdvancesPlausibly) {
  auto source = RaplSource::Open(Sysfs("/sys"));
  if (!source.ok()) GTEST_SKIP() << source.status().message();
  std::vector<Joules> out((*source)->channels().size());
  ReadContext context;
  ASSERT_TRUE((*source)->Read(context, out).ok());
  const auto before = out;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE((*source)->Read(context, out).ok());
  for (size_t c = 0; c < out.size(); ++c) {
    if ((*source)->channels()[c].domain != Domain::kPackage) continue;
    const double watts = (out[c] - before[c]).value() / 0.5;
    EXPECT_GT(watts, 0.5) << (*source)->channels()[c].id;
    EXPECT_LT(watts, 1000.0) << (*source)->channels()[c].id;
  }
}

TEST(RealHardwareTest, NvmlGpusReportEnergyOrPower) {
  auto source = NvmlSource::Open("libnvidia-ml.so.1");
  if (!source.ok()) GTEST_SKIP() << source.status().message();
  ASSERT_FALSE((*source)->channels().empty());
  for (const auto& line : (*source)->Describe()) std::cout << line << "\n";
  std::vector<Joules> out((*source)->channels().size());
  ReadContext context;
  context.now = std::chrono::steady_clock::now();
  ASSERT_TRUE((*source)->Read(context, out).ok());
  const auto before = out;
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  context.now = std::chrono::steady_clock::now();
  ASSERT_TRUE((*source)->Read(context, out).ok());
  for (size_t c = 0; c < out.size(); ++c) {
    const double watts = (out[c] - before[c]).value();
    EXPECT_GT(watts, 1.0) << (*source)->channels()[c].id << " idle GPUs still draw tens of watts";
    EXPECT_LT(watts, 1500.0) << (*source)->channels()[c].id;
  }
  std::vector<GpuProcessUse> uses;
  EXPECT_TRUE((*source)->ReadProcessUse(uses).ok());
}

}  // namespace
}  // namespace kfm::meter
