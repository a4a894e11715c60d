// Test helper: a fake RAPL package zone under a sysfs root whose energy_uj advances at a
// known power and wraps at max_energy_range_uj, rewritten in place every 2 ms by a thread, the
// way the kernel's file changes under a reader. Thread-safe to construct and destroy.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace kfm::testing {

class FakeRaplCounter {
 public:
  FakeRaplCounter(const std::string& sysfs_root, double watts, uint64_t max_uj,
                  const std::string& zone = "intel-rapl:0", const std::string& name = "package-0");
  ~FakeRaplCounter();
  FakeRaplCounter(const FakeRaplCounter&) = delete;
  FakeRaplCounter& operator=(const FakeRaplCounter&) = delete;
  // Joules the counter has advanced since construction.
  [[nodiscard]] double ElapsedJoules() const;

 private:
  void Write();
  double watts_;
  uint64_t max_uj_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kfm::testing
