// Machine-wide CPU time and memory from /proc/stat and /proc/meminfo, read with pread on
// descriptors kept open (the sampler reads them many times a second). Thread-compatible.
#pragma once

#include <string>

#include "kfm/status.h"

namespace kfm::meter {

struct MachineCpu {
  double busy_s = 0;   // user+nice+system+irq+softirq+steal, all CPUs
  double total_s = 0;  // busy + idle + iowait
};

class ProcStats {
 public:
  ProcStats();
  ProcStats(const ProcStats&) = delete;
  ProcStats& operator=(const ProcStats&) = delete;
  ~ProcStats();

  Result<MachineCpu> ReadCpu();
  // Memory in use (MemTotal - MemAvailable), in GB.
  Result<double> ReadMemoryUsedGb();
  static double ClockTicksPerSecond();

 private:
  int stat_fd_ = -1;
  int meminfo_fd_ = -1;
  std::string buffer_;
};

}  // namespace kfm::meter
