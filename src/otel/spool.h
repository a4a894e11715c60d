// The spool: OTLP export requests a collector did not accept, kept under
// KFM_HOME/telemetry/spool/ until `kfm-energy flush` (or the next run) delivers them. One file
// per request (the serialized protobuf, named <time>-<pid>-<seq>.<signal>.pb, written to a
// temporary name and renamed, so a reader never sees half a file) and a `.reason` text beside
// it. Take the lock around a flush so two flushes never deliver one file twice. Process-safe
// through the file system; an object is thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "otel/exporter_config.h"

namespace kfm::otel {

class Spool {
 public:
  explicit Spool(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  struct Entry {
    std::filesystem::path file;
    Signal signal = Signal::kTraces;
  };

  Status Put(Signal signal, const std::string& body, const std::string& reason);
  // Oldest first.
  [[nodiscard]] std::vector<Entry> List() const;
  [[nodiscard]] Result<std::string> Read(const Entry& entry) const;
  Status Remove(const Entry& entry);
  // Replaces the entry's reason (e.g. the latest refusal).
  void SetReason(const Entry& entry, const std::string& reason);
  [[nodiscard]] std::string Reason(const Entry& entry) const;

  // An exclusive lock on the spool for the object's lifetime.
  class Lock {
   public:
    explicit Lock(const std::filesystem::path& dir);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    [[nodiscard]] bool held() const { return fd_ >= 0; }

   private:
    int fd_ = -1;
  };

 private:
  std::filesystem::path dir_;
};

}  // namespace kfm::otel
