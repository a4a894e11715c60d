#include "meter/attribution.h"

#include <gtest/gtest.h>

namespace kfm::meter {
namespace {

std::vector<Channel> Channels() {
  return {{"rapl:package-0", Domain::kPackage, 0, "rapl", "", false},
          {"rapl:package-0/core", Domain::kCore, 0, "rapl", "", false},
          {"rapl:package-0/dram", Domain::kDram, 0, "rapl", "", false},
          {"nvml:0", Domain::kGpu, 0, "nvml-energy", "", false}};
}

void ExpectConserved(const Attribution& a, int nodes) {
  for (size_t c = 0; c < a.channels().size(); ++c) {
    double sum = a.unattributed_j()[c];
    for (int n = 0; n < nodes; ++n) sum += a.node(n).channel_attributed_j[c];
    EXPECT_NEAR(sum, a.measured_j()[c], 1e-12 * std::max(1.0, a.measured_j()[c]))
        << a.channels()[c].id;
  }
}

TEST(AttributionTest, SplitsByCpuShareAndConserves) {
  Attribution a(Channels());
  const int n0 = a.AddNode();
  const int n1 = a.AddNode();
  const double deltas[] = {100, 40, 10, 50};
  const double cpu[] = {0.75, 0.25};
  const bool active[] = {true, true};
  std::vector<std::vector<double>> gpu = {{}, {}, {}, {0.2, 0.6}};
  Interval in;
  in.wall_start_ns = 0;
  in.wall_end_ns = 1'000'000'000;
  in.channel_delta_j = deltas;
  in.machine_busy_s = 2.0;  // other processes used the other 1.0 s
  in.node_cpu_s = cpu;
  in.node_active = active;
  in.gpu_share = &gpu;
  a.Add(in);
  EXPECT_DOUBLE_EQ(a.node(n0).cpu_j, 100 * 0.75 / 2.0);
  EXPECT_DOUBLE_EQ(a.node(n1).cpu_j, 100 * 0.25 / 2.0);
  EXPECT_DOUBLE_EQ(a.node(n0).dram_j, 10 * 0.375);
  EXPECT_DOUBLE_EQ(a.node(n1).gpu_j, 30);
  EXPECT_DOUBLE_EQ(a.node(n0).package_j, 100);
  EXPECT_DOUBLE_EQ(a.unattributed_j()[0], 50);
  ExpectConserved(a, 2);
}

TEST(AttributionTest, SharesNeverExceedOneWhenTicksDisagree) {
  Attribution a(Channels());
  a.AddNode();
  a.AddNode();
  const double deltas[] = {10, 0, 0, 0};
  const double cpu[] = {0.03, 0.02};  // nodes' sum exceeds the machine's 0.04 s in a short interval
  const bool active[] = {true, true};
  Interval in;
  in.channel_delta_j = deltas;
  in.machine_busy_s = 0.04;
  in.node_cpu_s = cpu;
  in.node_active = active;
  a.Add(in);
  EXPECT_NEAR(a.node(0).cpu_j + a.node(1).cpu_j, 10.0, 1e-12);
  EXPECT_GE(a.unattributed_j()[0], -1e-12);
  ExpectConserved(a, 2);
}

TEST(AttributionTest, InactiveNodesGetNothingAndIdleMachineKeepsAll) {
  Attribution a(Channels());
  a.AddNode();
  const double deltas[] = {5, 1, 1, 1};
  const double cpu[] = {0.5};
  const bool inactive[] = {false};
  Interval in;
  in.channel_delta_j = deltas;
  in.machine_busy_s = 0.5;
  in.node_cpu_s = cpu;
  in.node_active = inactive;
  a.Add(in);
  EXPECT_EQ(a.node(0).cpu_j, 0);
  EXPECT_EQ(a.node(0).intervals, 0);
  EXPECT_EQ(a.unattributed_j()[0], 5);
  ExpectConserved(a, 1);
}

TEST(AttributionTest, SpreadsAcrossHourBoundary) {
  std::vector<HourEnergy> hours;
  const int64_t hour = 3600LL * 1'000'000'000LL;
  // From 59:30 to 00:30: half in each hour.
  SpreadOverHours(hours, 10 * hour - hour / 120, 10 * hour + hour / 120, 8, 2, 0);
  ASSERT_EQ(hours.size(), 2u);
  EXPECT_EQ(hours[0].hour_start_s, 9 * 3600);
  EXPECT_NEAR(hours[0].cpu_j, 4, 1e-9);
  EXPECT_NEAR(hours[1].cpu_j, 4, 1e-9);
  EXPECT_NEAR(hours[1].dram_j, 1, 1e-9);
}

}  // namespace
}  // namespace kfm::meter
