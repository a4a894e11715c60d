#include "meter/rapl_source.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "fake_rapl.h"
#include "subprocess.h"

namespace kfm::meter {
namespace {

const std::string kFixtures = std::string(KFM_FIXTURES_DIR) + "/sysfs";

std::vector<std::string> ChannelIds(const EnergySource& source) {
  std::vector<std::string> ids;
  for (const auto& c : source.channels()) ids.push_back(c.id);
  return ids;
}

TEST(RaplSourceTest, TwoSocketsAllDomainsAndMmioDuplicateDropped) {
  auto source = RaplSource::Open(Sysfs(kFixtures + "/two-socket-intel"));
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ(
      ChannelIds(**source),
      (std::vector<std::string>{"rapl:package-0", "rapl:package-0/core", "rapl:package-0/uncore",
                                "rapl:package-0/dram", "rapl:package-1", "rapl:package-1/core",
                                "rapl:package-1/dram", "rapl:psys"}));
  int packages = 0;
  for (const auto& c : (*source)->channels()) {
    packages += c.domain == Domain::kPackage;
    EXPECT_EQ(c.method, "rapl");
    EXPECT_FALSE(c.modelled);
  }
  EXPECT_EQ(packages, 2);
  auto zones = DiscoverRaplZones(Sysfs(kFixtures + "/two-socket-intel"));
  const auto mmio = std::find_if(zones.begin(), zones.end(),
                                 [](const RaplZone& z) { return z.dir == "intel-rapl-mmio:0"; });
  ASSERT_NE(mmio, zones.end());
  EXPECT_TRUE(mmio->duplicate);
  EXPECT_NE(mmio->problem.find("intel-rapl:0"), std::string::npos);
  // Subzones carry their package's socket.
  const auto dram1 = std::find_if(zones.begin(), zones.end(),
                                  [](const RaplZone& z) { return z.dir == "intel-rapl:1:1"; });
  EXPECT_EQ(dram1->socket, 1);
  EXPECT_EQ(dram1->domain, Domain::kDram);
}

TEST(RaplSourceTest, AmdPackageWithoutDram) {
  auto source = RaplSource::Open(Sysfs(kFixtures + "/amd-epyc"));
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ(ChannelIds(**source),
            (std::vector<std::string>{"rapl:package-0", "rapl:package-0/core"}));
}

TEST(RaplSourceTest, MissingDomainsAndDisabledZonesAreSkippedNotFatal) {
  auto zones = DiscoverRaplZones(Sysfs(kFixtures + "/missing-domains"));
  ASSERT_EQ(zones.size(), 3u);
  EXPECT_EQ(zones[1].max_range_uj, 0u);  // no max_energy_range_uj file
  EXPECT_EQ(zones[2].problem, "zone disabled");
  auto source = RaplSource::Open(Sysfs(kFixtures + "/missing-domains"));
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(ChannelIds(**source),
            (std::vector<std::string>{"rapl:package-0", "rapl:package-0/core"}));
}

TEST(RaplSourceTest, NoPowercapIsNotFound) {
  auto source = RaplSource::Open(Sysfs(kFixtures + "/no-rapl"));
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Status::Code::kNotFound);
  EXPECT_NE(source.status().message().find("no-rapl/class/powercap"), std::string::npos);
}

TEST(RaplSourceTest, UnwrapHandlesCounterWrap) {
  EXPECT_EQ(UnwrapDeltaUj(100, 250, 1000), 150u);
  EXPECT_EQ(UnwrapDeltaUj(900, 50, 1000), 150u);
  EXPECT_EQ(UnwrapDeltaUj(900, 900, 1000), 0u);
  EXPECT_EQ(UnwrapDeltaUj(900, 50, 0), 50u) << "unknown range: never negative, never huge";
}

TEST(RaplSourceTest, ReadsAdvancingCounterAcrossWraps) {
  testing::TempDir dir;
  // 40 W wrapping every 0.25 s; reads every 50 ms see several wraps.
  testing::FakeRaplCounter counter(dir.path(), 40.0, 10'000'000);
  auto source = RaplSource::Open(Sysfs(dir.path()));
  ASSERT_TRUE(source.ok()) << source.status().message();
  std::vector<Joules> out(1);
  ReadContext context;
  ASSERT_TRUE((*source)->Read(context, out).ok());
  const double start = out[0].value();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 16; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE((*source)->Read(context, out).ok());
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NEAR(out[0].value() - start, 40.0 * elapsed, 0.05 * 40.0 * elapsed);
}

TEST(RaplSourceTest, PermissionDeniedFallsBackWithAdviceAndNeverNeedsRoot) {
  testing::TempDir dir;
  const std::string zone = dir.path() + "/class/powercap/intel-rapl:0";
  testing::WriteFile(zone + "/name", "package-0\n");
  testing::WriteFile(zone + "/energy_uj", "123\n");
  testing::WriteFile(zone + "/max_energy_range_uj", "1000\n");
  std::filesystem::permissions(zone + "/energy_uj", std::filesystem::perms::owner_read);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // let "nobody" traverse
  // Root reads anything, so the check runs in a child that has given up root, as a user would.
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::getuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    auto source = RaplSource::Open(Sysfs(dir.path()));
    if (source.ok()) ::_exit(4);
    if (source.status().code() != Status::Code::kPermissionDenied) ::_exit(5);
    if (source.status().message().find("udev") == std::string::npos) ::_exit(6);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3 setuid failed, 4 opened, 5 wrong code, 6 no advice";
}

}  // namespace
}  // namespace kfm::meter
