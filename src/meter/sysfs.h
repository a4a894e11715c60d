// Seam for every file the meter reads under /sys, rooted at KFM_SYSFS_ROOT so tests drive
// the real code against fake hardware trees. Paths are relative to the root ("class/powercap").
// A CounterFile keeps its descriptor open and reads with pread, which is what a sampler
// running many times a second needs. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::meter {

class Sysfs {
 public:
  explicit Sysfs(std::filesystem::path root) : root_(std::move(root)) {}
  // Root from KFM_SYSFS_ROOT, else "/sys".
  static Sysfs FromEnv();

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path Path(const std::string& relative) const {
    return root_ / relative;
  }
  // Names of the entries of a directory, sorted; empty when it does not exist.
  [[nodiscard]] std::vector<std::string> List(const std::string& relative) const;
  // A small text file, trailing whitespace removed.
  [[nodiscard]] Result<std::string> ReadText(const std::string& relative) const;
  [[nodiscard]] Result<uint64_t> ReadU64(const std::string& relative) const;

 private:
  std::filesystem::path root_;
};

// An open counter file (e.g. energy_uj) read as an unsigned decimal with pread.
class CounterFile {
 public:
  CounterFile() = default;
  CounterFile(const CounterFile&) = delete;
  CounterFile& operator=(const CounterFile&) = delete;
  CounterFile(CounterFile&& other) noexcept;
  CounterFile& operator=(CounterFile&& other) noexcept;
  ~CounterFile();

  // Opens read-only. PermissionDenied when the file exists but may not be read.
  static Result<CounterFile> Open(const std::filesystem::path& path);
  Result<uint64_t> Read() const;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// Parses a whole decimal unsigned number with optional surrounding whitespace.
std::optional<uint64_t> ParseU64(std::string_view text);

}  // namespace kfm::meter
