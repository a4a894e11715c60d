#include "meter/sysfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace kfm::meter {

Sysfs Sysfs::FromEnv() {
  const char* root = std::getenv("KFM_SYSFS_ROOT");
  return Sysfs(root != nullptr && *root != '\0' ? root : "/sys");
}

std::vector<std::string> Sysfs::List(const std::string& relative) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(Path(relative), ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> Sysfs::ReadText(const std::string& relative) const {
  const auto path = Path(relative);
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    if (err == EACCES || err == EPERM)
      return Status::PermissionDenied(path.string() + ": permission denied");
    return Status::NotFound(path.string() + ": " + std::strerror(err));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

Result<uint64_t> Sysfs::ReadU64(const std::string& relative) const {
  auto text = ReadText(relative);
  if (!text.ok()) return text.status();
  auto value = ParseU64(*text);
  if (!value)
    return Status::InvalidArgument(Path(relative).string() + ": not a number: '" + *text + "'");
  return *value;
}

std::optional<uint64_t> ParseU64(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' ||
                           text.back() == '\0')) {
    text.remove_suffix(1);
  }
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

CounterFile::CounterFile(CounterFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

CounterFile& CounterFile::operator=(CounterFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

CounterFile::~CounterFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<CounterFile> CounterFile::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM)
      return Status::PermissionDenied(path.string() + ": permission denied");
    return Status::NotFound(path.string() + ": " + std::strerror(err));
  }
  CounterFile file;
  file.fd_ = fd;
  file.path_ = path;
  // The first read proves the file is readable: on current kernels energy_uj opens for
  // reading only as root, but some filesystems refuse at read time instead.
  if (auto first = file.Read(); !first.ok()) return first.status();
  return file;
}

Result<uint64_t> CounterFile::Read() const {
  char buffer[32];
  // A writer rewriting the file in place can be caught between truncate and write;
  // one retry covers that without ever returning a torn number.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const ssize_t n = ::pread(fd_, buffer, sizeof(buffer) - 1, 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EACCES || err == EPERM)
        return Status::PermissionDenied(path_.string() + ": permission denied");
      return Status::IoError(path_.string() + ": " + std::strerror(err));
    }
    if (auto value = ParseU64(std::string_view(buffer, static_cast<size_t>(n)))) return *value;
  }
  return Status::IoError(path_.string() + ": unreadable counter value");
}

}  // namespace kfm::meter
