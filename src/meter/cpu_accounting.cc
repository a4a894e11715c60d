#include "meter/cpu_accounting.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "meter/proc_stats.h"
#include "meter/sysfs.h"

namespace kfm::meter {
namespace {

double UsageSeconds(const struct rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// ---------------------------------------------------------------------------- procfs

struct ProcEntry {
  pid_t pid;
  pid_t ppid;
  double cpu_s;  // utime + stime + cutime + cstime
};

// Reads /proc/<pid>/stat; false when the process is gone.
bool ReadProcStat(const char* pid_name, ProcEntry& entry, char* buffer, size_t size) {
  char path[300];
  std::snprintf(path, sizeof(path), "/proc/%s/stat", pid_name);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::read(fd, buffer, size - 1);
  ::close(fd);
  if (n <= 0) return false;
  buffer[n] = '\0';
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const char* p = std::strrchr(buffer, ')');
  if (p == nullptr) return false;
  p += 2;  // ") "
  // Fields from 3: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime
  char* end = nullptr;
  ++p;  // state
  entry.ppid = static_cast<pid_t>(std::strtol(p, &end, 10));
  p = end;
  for (int skip = 0; skip < 9; ++skip) {
    std::strtoull(p, &end, 10);
    p = end;
  }
  unsigned long long ticks = 0;
  for (int i = 0; i < 4; ++i) {
    ticks += std::strtoull(p, &end, 10);
    p = end;
  }
  entry.pid = static_cast<pid_t>(std::atoi(pid_name));
  entry.cpu_s = static_cast<double>(ticks) / ProcStats::ClockTicksPerSecond();
  return true;
}

class ProcfsAccounting final : public CpuAccounting {
 public:
  std::string_view kind() const override { return "procfs"; }

  Result<int> AddNode(const std::string& /*name*/) override {
    nodes_.push_back({});
    return static_cast<int>(nodes_.size()) - 1;
  }

  void SetRootPid(int node, pid_t pid) override {
    nodes_[node].root = pid;
    nodes_[node].known.insert(pid);
    owner_[pid] = node;
  }

  void OnReaped(pid_t pid, const struct rusage& usage) override {
    auto it = owner_.find(pid);
    int node = it != owner_.end() ? it->second : SoleActiveNode();
    if (node < 0 || nodes_[node].ended) return;
    nodes_[node].reaped_s += UsageSeconds(usage);
    nodes_[node].known.erase(pid);
    if (it != owner_.end()) owner_.erase(it);
  }

  Status Read(std::vector<double>& cpu_seconds) override {
    cpu_seconds.resize(nodes_.size());
    bool any_active = false;
    for (const auto& n : nodes_) any_active |= !n.ended && n.root > 0;
    if (any_active) Scan();
    for (size_t i = 0; i < nodes_.size(); ++i) cpu_seconds[i] = nodes_[i].last_s;
    return Status::Ok();
  }

  int NodeOfPid(pid_t pid) override {
    auto it = owner_.find(pid);
    return it == owner_.end() ? -1 : it->second;
  }

  void EndNode(int node) override {
    Scan();
    nodes_[node].ended = true;
    for (pid_t pid : nodes_[node].known) owner_.erase(pid);
    nodes_[node].known.clear();
  }

 private:
  struct Node {
    pid_t root = 0;
    bool ended = false;
    double reaped_s = 0;
    double last_s = 0;  // never decreases
    std::unordered_set<pid_t> known;
  };

  int SoleActiveNode() const {
    int found = -1;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].ended) continue;
      if (found >= 0) return -1;
      found = static_cast<int>(i);
    }
    return found;
  }

  // One pass over /proc: every process, its parent and its CPU time; then each node's tree
  // from its root (and from the orphans the subreaper inherited that we knew were its own).
  void Scan() {
    entries_.clear();
    children_.clear();
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) return;
    char buffer[1024];
    while (const dirent* d = ::readdir(dir)) {
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      ProcEntry entry{};
      if (ReadProcStat(d->d_name, entry, buffer, sizeof(buffer))) {
        children_[entry.ppid].push_back(entry.pid);
        entries_[entry.pid] = entry;
      }
    }
    ::closedir(dir);
    const pid_t self = ::getpid();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& node = nodes_[i];
      if (node.ended || node.root <= 0) continue;
      std::vector<pid_t> stack = {node.root};
      // Also the orphans re-parented to us (the subreaper) that belonged to this node.
      for (pid_t pid : children_[self]) {
        auto owner = owner_.find(pid);
        if ((owner != owner_.end() && owner->second == static_cast<int>(i)) ||
            (owner == owner_.end() && SoleActiveNode() == static_cast<int>(i))) {
          stack.push_back(pid);
        }
      }
      double total = node.reaped_s;
      std::unordered_set<pid_t> seen;
      while (!stack.empty()) {
        const pid_t pid = stack.back();
        stack.pop_back();
        if (!seen.insert(pid).second) continue;
        auto entry = entries_.find(pid);
        if (entry == entries_.end()) continue;
        total += entry->second.cpu_s;
        owner_[pid] = static_cast<int>(i);
        auto kids = children_.find(pid);
        if (kids != children_.end())
          stack.insert(stack.end(), kids->second.begin(), kids->second.end());
      }
      node.known = std::move(seen);
      // A process reaped between our reads of it and of its parent is briefly missing;
      // keeping the maximum makes the figure monotonic, and the next scan catches up.
      node.last_s = std::max(node.last_s, total);
    }
  }

  std::vector<Node> nodes_;
  std::unordered_map<pid_t, int> owner_;
  std::unordered_map<pid_t, ProcEntry> entries_;
  std::unordered_map<pid_t, std::vector<pid_t>> children_;
};

// ---------------------------------------------------------------------------- cgroup v2

// The cgroup v2 mount point and this process's group, from /proc/self/mountinfo and
// /proc/self/cgroup; empty when there is no unified hierarchy.
std::string OwnCgroupV2Dir() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  std::string mount;
  while (std::getline(mountinfo, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream rest(line.substr(dash + 3));
    std::string fstype;
    rest >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    mount = point;
    break;
  }
  if (mount.empty()) return {};
  std::ifstream cgroup("/proc/self/cgroup");
  while (std::getline(cgroup, line)) {
    if (line.rfind("0::", 0) == 0) return mount + line.substr(3);
  }
  return {};
}

class CgroupAccounting final : public CpuAccounting {
 public:
  explicit CgroupAccounting(std::string parent) : parent_(std::move(parent)) {}
  ~CgroupAccounting() override {
    for (size_t i = 0; i < nodes_.size(); ++i) EndNode(static_cast<int>(i));
  }

  std::string_view kind() const override { return "cgroup"; }

  Result<int> AddNode(const std::string& name) override {
    static std::atomic<int> counter{0};
    std::string safe;
    for (char c : name) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    Node node;
    node.dir = parent_ + "/kfm-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
               "-" + safe.substr(0, 40);
    if (::mkdir(node.dir.c_str(), 0755) != 0) {
      return Status::PermissionDenied("cannot create cgroup " + node.dir + ": " +
                                      std::strerror(errno));
    }
    node.procs_fd = ::open((node.dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    node.dir_fd = ::open(node.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    node.stat_fd = ::open((node.dir + "/cpu.stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (node.procs_fd < 0 || node.stat_fd < 0 || node.dir_fd < 0) {
      const std::string error = std::strerror(errno);
      CloseNode(node);
      return Status::PermissionDenied("cannot use cgroup " + node.dir + ": " + error);
    }
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size()) - 1;
  }

  int JoinFd(int node) const override { return nodes_[node].procs_fd; }
  int GroupDirFd(int node) const override { return nodes_[node].dir_fd; }
  void SetRootPid(int node, pid_t pid) override { nodes_[node].root = pid; }
  void OnReaped(pid_t, const struct rusage&) override {}

  Status Read(std::vector<double>& cpu_seconds) override {
    cpu_seconds.resize(nodes_.size());
    Status result;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& node = nodes_[i];
      if (node.stat_fd >= 0) {
        char buffer[512];
        const ssize_t n = ::pread(node.stat_fd, buffer, sizeof(buffer) - 1, 0);
        if (n > 0) {
          buffer[n] = '\0';
          if (const char* at = std::strstr(buffer, "usage_usec ")) {
            node.last_s = std::max(node.last_s, std::strtod(at + 11, nullptr) * 1e-6);
          }
        } else if (result.ok()) {
          result = Status::IoError(node.dir + "/cpu.stat: unreadable");
        }
      }
      cpu_seconds[i] = node.last_s;
    }
    return result;
  }

  int NodeOfPid(pid_t pid) override {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%d/cgroup", static_cast<int>(pid));
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("0::", 0) != 0) continue;
      const std::string group = line.substr(3);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        const auto& dir = nodes_[i].dir;
        if (dir.size() >= group.size() &&
            dir.compare(dir.size() - group.size(), group.size(), group) == 0) {
          return static_cast<int>(i);
        }
      }
    }
    return -1;
  }

  void EndNode(int node) override {
    std::vector<double> ignored;
    if (nodes_[node].stat_fd >= 0) (void)Read(ignored);
    CloseNode(nodes_[node]);
  }

 private:
  struct Node {
    std::string dir;
    int procs_fd = -1;
    int stat_fd = -1;
    int dir_fd = -1;
    pid_t root = 0;
    double last_s = 0;
    bool removed = false;
  };

  static void CloseNode(Node& node) {
    if (node.procs_fd >= 0) ::close(node.procs_fd);
    if (node.stat_fd >= 0) ::close(node.stat_fd);
    if (node.dir_fd >= 0) ::close(node.dir_fd);
    node.procs_fd = node.stat_fd = node.dir_fd = -1;
    // Fails with EBUSY while leftover daemons of the node live on; the group then stays
    // (empty groups are cheap) rather than the daemons being killed.
    if (!node.removed && !node.dir.empty()) node.removed = ::rmdir(node.dir.c_str()) == 0;
  }

  std::string parent_;
  std::vector<Node> nodes_;
};

// Groups "kfm-<pid>-..." whose kfm-energy process is gone stayed because a node left a
// process behind (a daemon) when it ended; once those have exited too, the empty groups go.
// rmdir of a group that still holds a process fails harmlessly.
void RemoveStaleGroups(const std::string& parent) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(parent, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("kfm-", 0) != 0) continue;
    const pid_t owner = static_cast<pid_t>(std::atoi(name.c_str() + 4));
    if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    ::rmdir(it->path().c_str());
  }
}

}  // namespace

Result<AccountingMode> ParseAccountingMode(std::string_view text) {
  if (text == "auto") return AccountingMode::kAuto;
  if (text == "cgroup") return AccountingMode::kCgroup;
  if (text == "procfs") return AccountingMode::kProcfs;
  return Status::InvalidArgument("cpu accounting must be auto, cgroup or procfs, not '" +
                                 std::string(text) + "'");
}

std::unique_ptr<CpuAccounting> MakeCpuAccounting(AccountingMode mode, std::string* note) {
  if (mode != AccountingMode::kProcfs) {
    const std::string dir = OwnCgroupV2Dir();
    std::string why;
    if (dir.empty()) {
      why = "no cgroup v2 hierarchy";
    } else {
      RemoveStaleGroups(dir);
      // Probe: can we make (and remove) a group beside ourselves?
      const std::string probe = dir + "/kfm-probe-" + std::to_string(::getpid());
      if (::mkdir(probe.c_str(), 0755) == 0) {
        ::rmdir(probe.c_str());
        return std::make_unique<CgroupAccounting>(dir);
      }
      why = "cannot create a cgroup under " + dir + " (" + std::strerror(errno) + ")";
    }
    if (note != nullptr) *note = why + "; using /proc";
  }
  return std::make_unique<ProcfsAccounting>();
}

void BecomeSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

}  // namespace kfm::meter
