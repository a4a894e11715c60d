#include "otel/bundle.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kfm::otel {
namespace {

Status MakeParent(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec)
    return Status::IoError("cannot create " + file.parent_path().string() + ": " + ec.message());
  return Status::Ok();
}

class LockedFd {
 public:
  LockedFd(const std::filesystem::path& path, int flags)
      : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0644)) {
    if (fd_ < 0) return;
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
    }
  }
  ~LockedFd() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  LockedFd(const LockedFd&) = delete;
  LockedFd& operator=(const LockedFd&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& file) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("cannot write " + file.string() + ": " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

std::filesystem::path HomeFromEnv() {
  const char* home = std::getenv("KFM_HOME");
  return home != nullptr && *home != '\0' ? home : "kfm-data";
}

Status CheckPathComponent(std::string_view what, std::string_view value) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(value) + "' " + why);
  };
  if (value.empty()) return bad("is empty");
  if (value.size() > 128) return bad("is longer than 128 characters");
  if (value.find('/') != std::string_view::npos)
    return bad("contains '/' and would escape KFM_HOME");
  if (value.find("..") != std::string_view::npos)
    return bad("contains '..' and would escape KFM_HOME");
  // The schemas' pattern for ids and names: ^[A-Za-z0-9][A-Za-z0-9._-]*$
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(value.front())) return bad("must start with a letter or digit");
  for (char c : value) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') {
      return bad("may hold only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

BundlePaths PathsForRun(const std::filesystem::path& home, const std::string& run_id) {
  return {home / "telemetry" / "otel" / ("spans-kfm-run-" + run_id + ".json"),
          home / "telemetry" / "energy" / ("kfm-run-" + run_id + ".json"),
          home / "telemetry" / "carbon" / ("kfm-run-" + run_id + ".json")};
}

Status WriteFileAtomically(const std::filesystem::path& file, std::string_view data, mode_t mode) {
  const std::filesystem::path temp = file.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError("cannot write " + temp.string() + ": " + std::strerror(errno));
  Status s = WriteAll(fd, data, temp);
  if (s.ok() && ::fsync(fd) != 0)
    s = Status::IoError("cannot sync " + temp.string() + ": " + std::strerror(errno));
  ::close(fd);
  if (s.ok() && ::rename(temp.c_str(), file.c_str()) != 0)
    s = Status::IoError("cannot replace " + file.string() + ": " + std::strerror(errno));
  if (!s.ok()) ::unlink(temp.c_str());
  return s;
}

Status AppendLine(const std::filesystem::path& file, std::string_view line) {
  if (Status s = MakeParent(file); !s.ok()) return s;
  LockedFd out(file, O_WRONLY | O_APPEND | O_CREAT);
  if (out.fd() < 0)
    return Status::IoError("cannot open " + file.string() + ": " + std::strerror(errno));
  std::string record(line);
  record += '\n';
  // A write cut short (disk full) is taken back: the file keeps whole lines only, so later
  // appends are not glued to half a record.
  const off_t before = ::lseek(out.fd(), 0, SEEK_END);
  Status written = WriteAll(out.fd(), record, file);
  if (!written.ok() && before >= 0 && ::ftruncate(out.fd(), before) != 0) {
    return Status::IoError(written.message() +
                           "; and cannot cut back the partial line: " + std::strerror(errno));
  }
  return written;
}

Status UpdateJsonDocument(const std::filesystem::path& file,
                          const std::function<void(nlohmann::json&)>& update,
                          std::string* warning) {
  if (Status s = MakeParent(file); !s.ok()) return s;
  const std::filesystem::path lock_path = file.string() + ".lock";
  LockedFd lock(lock_path, O_RDWR | O_CREAT);
  if (lock.fd() < 0)
    return Status::IoError("cannot lock " + lock_path.string() + ": " + std::strerror(errno));

  nlohmann::json doc;  // null when the file does not exist yet
  if (std::ifstream in(file); in) {
    std::ostringstream text;
    text << in.rdbuf();
    doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
      const std::filesystem::path aside = file.string() + ".corrupt-" + std::to_string(seconds);
      std::error_code ec;
      std::filesystem::rename(file, aside, ec);
      if (warning != nullptr) {
        *warning =
            file.string() + " was not valid JSON; kept as " + aside.string() + " and started anew";
      }
      doc = nullptr;
    }
  }
  update(doc);
  return WriteFileAtomically(file, doc.dump(2) + "\n");
}

}  // namespace kfm::otel
