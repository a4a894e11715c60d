#include "meter/model_source.h"

#include <gtest/gtest.h>

namespace kfm::meter {
namespace {

constexpr char kCascadeLake[] =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
    "model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\nstepping\t: 7\n";
constexpr char kSkylake[] =
    "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) "
    "Platinum 8175M\n"
    "stepping\t: 4\n";
constexpr char kRome[] =
    "vendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 49\nmodel name\t: AMD EPYC 7R32\n";
constexpr char kUnknown[] =
    "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 106\nmodel name\t: Intel(R) Xeon(R) "
    "Processor\n";

TEST(ModelSourceTest, PicksFamilyFromCpuinfo) {
  EXPECT_EQ(SelectCpuModel(kCascadeLake, 4).key, "ccf-cascade-lake");
  EXPECT_EQ(SelectCpuModel(kSkylake, 4).key, "ccf-skylake");
  const auto rome = SelectCpuModel(kRome, 8);
  EXPECT_EQ(rome.key, "ccf-amd-epyc-2nd-gen");
  EXPECT_DOUBLE_EQ(rome.min_watts, 0.47);
  EXPECT_DOUBLE_EQ(rome.max_watts, 1.69);
  EXPECT_EQ(SelectCpuModel(kUnknown, 2).key, "ccf-default");
  EXPECT_EQ(SelectCpuModel("", 0).vcpus, 1);
}

TEST(ModelSourceTest, LinearPowerIntegratedOverTime) {
  auto params = SelectCpuModel(kCascadeLake, 4);  // 0.64 .. 3.97 W per vCPU
  ModelSource model(params);
  ASSERT_EQ(model.channels().size(), 2u);
  EXPECT_TRUE(model.channels()[0].modelled);
  EXPECT_EQ(model.channels()[0].method, "model-ccf-cascade-lake");
  std::vector<Joules> out(2);
  ReadContext context;
  context.now = std::chrono::steady_clock::time_point(std::chrono::seconds(100));
  ASSERT_TRUE(model.Read(context, out).ok());
  EXPECT_EQ(out[0].value(), 0.0);
  context.now += std::chrono::seconds(10);
  context.machine_cpu_utilization = 0.5;
  context.machine_memory_used_gb = 8;
  ASSERT_TRUE(model.Read(context, out).ok());
  EXPECT_NEAR(out[0].value(), 4 * (0.64 + 0.5 * (3.97 - 0.64)) * 10, 1e-9);
  EXPECT_NEAR(out[1].value(), 8 * params.memory_watts_per_gb * 10, 1e-9);
}

}  // namespace
}  // namespace kfm::meter
