// Two concurrent real workloads measured by one sampler against a fake RAPL counter: the
// nodes' shares plus the unattributed rest add up to exactly what the counter measured.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <thread>

#include "fake_rapl.h"
#include "meter/sampler.h"
#include "meter/source_selection.h"
#include "subprocess.h"

namespace kfm::meter {
namespace {

// A child that burns `cpu_seconds` of its own CPU time (not wall time, so a loaded machine
// changes how long it takes, not how much it uses).
pid_t StartBusyLoop(double cpu_seconds, int join_fd) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (join_fd >= 0 && ::write(join_fd, "0\n", 2) < 0) ::_exit(2);
    for (;;) {
      struct timespec used {};
      ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
      if (static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) * 1e-9 >=
          cpu_seconds)
        break;
    }
    ::_exit(0);
  }
  return pid;
}

void Conservation(AccountingMode mode) {
  testing::TempDir dir;
  testing::FakeRaplCounter counter(dir.path(), 30.0, 50'000'000);
  MeterConfig config;
  config.sysfs_root = dir.path();
  config.nvml_library = dir.path() + "/none.so";
  config.vcpus = 2;
  auto sources = SelectSources(config);
  ASSERT_EQ(sources.cpu_method, "rapl");
  std::string note;
  auto accounting = MakeCpuAccounting(mode, &note);
  Sampler sampler(std::move(sources), std::move(accounting), std::chrono::milliseconds(50));
  sampler.Start();
  auto a = sampler.AddNode("a");
  auto b = sampler.AddNode("b");
  ASSERT_TRUE(a.ok() && b.ok());
  sampler.NodeStarting(*a);
  const pid_t pa = StartBusyLoop(0.6, sampler.JoinFd(*a));
  sampler.SetNodePid(*a, pa);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sampler.NodeStarting(*b);
  const pid_t pb = StartBusyLoop(0.4, sampler.JoinFd(*b));
  sampler.SetNodePid(*b, pb);
  int status = 0;
  struct rusage usage {};
  ::wait4(pb, &status, 0, &usage);
  sampler.OnReaped(pb, usage);
  auto mb = sampler.EndNode(*b);
  ::wait4(pa, &status, 0, &usage);
  sampler.OnReaped(pa, usage);
  auto ma = sampler.EndNode(*a);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sampler.Stop();

  const auto measured = sampler.MeasuredJoules();
  const auto rest = sampler.UnattributedJoules();
  ASSERT_EQ(sampler.Channels()[0].id, "rapl:package-0");  // then the modelled memory channel
  // Conservation, exactly: both nodes' attributed energy plus the rest is the whole.
  EXPECT_NEAR(ma.energy.channel_attributed_j[0] + mb.energy.channel_attributed_j[0] + rest[0],
              measured[0], 1e-9 * measured[0]);
  // The counter ran at 30 W over the sampler's life, which contains node a's.
  EXPECT_GT(measured[0], 0.95 * 30.0 * ma.duration.count());
  // Each busy loop got energy in line with its CPU time; a used more than b.
  EXPECT_NEAR(ma.energy.cpu_s, 0.6, 0.05);
  EXPECT_NEAR(mb.energy.cpu_s, 0.4, 0.05);
  EXPECT_GT(ma.energy.cpu_j, mb.energy.cpu_j);
  EXPECT_GT(mb.energy.cpu_j, 0.0);
  EXPECT_LE(ma.energy.cpu_j, ma.energy.package_j);
  EXPECT_NEAR(ma.energy.package_j, 30.0 * ma.duration.count(), 0.05 * 30.0 * ma.duration.count());
}

TEST(SamplerConservationTest, TwoConcurrentNodesProcfs) { Conservation(AccountingMode::kProcfs); }
TEST(SamplerConservationTest, TwoConcurrentNodesAuto) { Conservation(AccountingMode::kAuto); }

}  // namespace
}  // namespace kfm::meter
