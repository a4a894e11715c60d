#include "fake_rapl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "subprocess.h"

namespace kfm::testing {

FakeRaplCounter::FakeRaplCounter(const std::string& sysfs_root, double watts, uint64_t max_uj,
                                 const std::string& zone, const std::string& name)
    : watts_(watts), max_uj_(max_uj) {
  const std::string dir = sysfs_root + "/class/powercap/" + zone;
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/name", name + "\n");
  WriteFile(dir + "/max_energy_range_uj", std::to_string(max_uj) + "\n");
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

FakeRaplCounter::~FakeRaplCounter() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

double FakeRaplCounter::ElapsedJoules() const {
  return watts_ * std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void FakeRaplCounter::Write() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto uj = static_cast<uint64_t>(7'000'000 + watts_ * 1e6 * elapsed) % (max_uj_ + 1);
  char line[32];
  // Fixed width, so an in-place rewrite never leaves a longer old number's tail behind.
  const int n = std::snprintf(line, sizeof(line), "%020llu\n", static_cast<unsigned long long>(uj));
  (void)::pwrite(fd_, line, static_cast<size_t>(n), 0);
}

}  // namespace kfm::testing
