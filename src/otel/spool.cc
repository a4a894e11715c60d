#include "otel/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "otel/bundle.h"

namespace kfm::otel {
namespace {

constexpr std::string_view kTracesSuffix = ".traces.pb";
constexpr std::string_view kMetricsSuffix = ".metrics.pb";

std::filesystem::path ReasonFile(const std::filesystem::path& file) {
  return std::filesystem::path(file.string() + ".reason");
}

}  // namespace

Status Spool::Put(Signal signal, const std::string& body, const std::string& reason) {
  static std::atomic<int> sequence{0};
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create " + dir_.string() + ": " + ec.message());
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  char name[96];
  std::snprintf(name, sizeof(name), "%020lld-%d-%d%s", static_cast<long long>(now),
                static_cast<int>(::getpid()), sequence++,
                std::string(signal == Signal::kTraces ? kTracesSuffix : kMetricsSuffix).c_str());
  const std::filesystem::path file = dir_ / name;
  // The reason first: a request file never exists without one.
  std::ofstream(ReasonFile(file)) << reason << "\n";
  // Owner-only: a payload may hold whatever the spans carry.
  return WriteFileAtomically(file, body, 0600);
}

std::vector<Spool::Entry> Spool::List() const {
  std::vector<Entry> entries;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(kTracesSuffix)) entries.push_back({it->path(), Signal::kTraces});
    if (name.ends_with(kMetricsSuffix)) entries.push_back({it->path(), Signal::kMetrics});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.file.filename() < b.file.filename(); });
  return entries;
}

Result<std::string> Spool::Read(const Entry& entry) const {
  std::ifstream in(entry.file, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + entry.file.string());
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

Status Spool::Remove(const Entry& entry) {
  std::error_code ec;
  std::filesystem::remove(entry.file, ec);
  if (ec) return Status::IoError("cannot remove " + entry.file.string() + ": " + ec.message());
  std::filesystem::remove(ReasonFile(entry.file), ec);
  return Status::Ok();
}

void Spool::SetReason(const Entry& entry, const std::string& reason) {
  std::ofstream(ReasonFile(entry.file)) << reason << "\n";
}

std::string Spool::Reason(const Entry& entry) const {
  std::ifstream in(ReasonFile(entry.file));
  std::string line;
  std::getline(in, line);
  return line;
}

Spool::Lock::Lock(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Spool::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace kfm::otel
