#include "meter/proc_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace kfm::meter {
namespace {

Result<size_t> ReadWhole(int fd, std::string& buffer, const char* what) {
  if (fd < 0) return Status::NotFound(std::string(what) + ": not available");
  if (buffer.size() < 16384) buffer.resize(16384);
  const ssize_t n = ::pread(fd, buffer.data(), buffer.size() - 1, 0);
  if (n < 0) return Status::IoError(std::string(what) + ": " + std::strerror(errno));
  buffer[static_cast<size_t>(n)] = '\0';
  return static_cast<size_t>(n);
}

// Value in kB of a "Key:   123 kB" line of /proc/meminfo.
double MeminfoKb(const char* text, const char* key) {
  const char* at = std::strstr(text, key);
  if (at == nullptr) return -1;
  return std::strtod(at + std::strlen(key), nullptr);
}

}  // namespace

ProcStats::ProcStats()
    : stat_fd_(::open("/proc/stat", O_RDONLY | O_CLOEXEC)),
      meminfo_fd_(::open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) {}

ProcStats::~ProcStats() {
  if (stat_fd_ >= 0) ::close(stat_fd_);
  if (meminfo_fd_ >= 0) ::close(meminfo_fd_);
}

double ProcStats::ClockTicksPerSecond() {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return ticks;
}

Result<MachineCpu> ProcStats::ReadCpu() {
  auto n = ReadWhole(stat_fd_, buffer_, "/proc/stat");
  if (!n.ok()) return n.status();
  // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  const char* p = buffer_.c_str();
  if (std::strncmp(p, "cpu ", 4) != 0) return Status::IoError("/proc/stat: unexpected first line");
  p += 4;
  unsigned long long v[8] = {};
  for (auto& value : v) {
    char* end = nullptr;
    value = std::strtoull(p, &end, 10);
    p = end;
  }
  const double tick = 1.0 / ClockTicksPerSecond();
  MachineCpu cpu;
  cpu.busy_s = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * tick;
  cpu.total_s = cpu.busy_s + static_cast<double>(v[3] + v[4]) * tick;
  return cpu;
}

Result<double> ProcStats::ReadMemoryUsedGb() {
  auto n = ReadWhole(meminfo_fd_, buffer_, "/proc/meminfo");
  if (!n.ok()) return n.status();
  const double total = MeminfoKb(buffer_.c_str(), "MemTotal:");
  const double available = MeminfoKb(buffer_.c_str(), "MemAvailable:");
  if (total < 0 || available < 0)
    return Status::IoError("/proc/meminfo: MemTotal or MemAvailable missing");
  return (total - available) / (1024.0 * 1024.0);
}

}  // namespace kfm::meter
