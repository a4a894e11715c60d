// CPU time of each node's whole process tree: children, grandchildren and processes that
// exit between two samples. Two implementations behind one interface: a cgroup v2 group per
// node where one can be made (exact, one read per node), else a /proc scan in which the
// runner, as child subreaper, adds the rusage of every process it reaps.
// Not thread-safe: the sampler serialises all calls under its own lock.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::meter {

enum class AccountingMode { kAuto, kCgroup, kProcfs };

// Parses "auto", "cgroup" or "procfs".
Result<AccountingMode> ParseAccountingMode(std::string_view text);

class CpuAccounting {
 public:
  virtual ~CpuAccounting() = default;
  // "cgroup" or "procfs".
  [[nodiscard]] virtual std::string_view kind() const = 0;
  // Registers a node before its process starts; returns its id (dense, from 0).
  virtual Result<int> AddNode(const std::string& name) = 0;
  // A descriptor the child writes "0" into between fork and exec to join the node's group,
  // or -1 when the implementation does not need it.
  [[nodiscard]] virtual int JoinFd(int /*node*/) const { return -1; }
  // The node's cgroup directory, for clone3(CLONE_INTO_CGROUP): the child starts inside the
  // group, which avoids the migration that writing cgroup.procs costs (about 18 ms here).
  // -1 when the implementation has no group.
  [[nodiscard]] virtual int GroupDirFd(int /*node*/) const { return -1; }
  virtual void SetRootPid(int node, pid_t pid) = 0;
  // The runner reaped `pid` (the node's root, or an orphan handed to the subreaper).
  virtual void OnReaped(pid_t pid, const struct rusage& usage) = 0;
  // Cumulative CPU seconds of every node's tree, indexed by node id. Ended nodes keep their
  // last value.
  virtual Status Read(std::vector<double>& cpu_seconds) = 0;
  // The node whose tree holds `pid`, or -1.
  virtual int NodeOfPid(pid_t pid) = 0;
  // The node has ended; its figure is frozen and its resources released.
  virtual void EndNode(int node) = 0;
};

// kAuto tries a cgroup v2 group and falls back to procfs; `note` says why, when it fell back.
std::unique_ptr<CpuAccounting> MakeCpuAccounting(AccountingMode mode, std::string* note);

// Sets this process as child subreaper so orphaned descendants are reparented to it.
void BecomeSubreaper();

}  // namespace kfm::meter
