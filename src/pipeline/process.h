// Starting a node's command as a child process (by argv, never through a shell) and waiting
// for it while forwarding termination signals and reaping orphaned descendants, whose CPU
// time must still count. The calling thread must have blocked the forwarded signals with
// SignalBlock before any other thread was started. Not thread-safe: one waiter per process.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::pipeline {

// Blocks SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGCHLD in the calling thread (and in the
// threads it starts afterwards) for the object's lifetime.
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;
  [[nodiscard]] const sigset_t& set() const { return set_; }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

// Finds `program` on PATH (or takes it as a path when it holds a '/'). NotFound otherwise.
Result<std::string> ResolveProgram(const std::string& program);

struct SpawnRequest {
  std::string program;            // resolved path
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // complete environment, "KEY=value"
  int cgroup_dir_fd = -1;         // start the child in this cgroup v2 group (clone3), or -1
  int join_cgroup_fd = -1;        // else: cgroup.procs to join before exec, or -1
};

// Forks and execs. IoError carries the reason exec failed (reported by the child through a
// close-on-exec pipe).
Result<pid_t> Spawn(const SpawnRequest& request);

struct ExitInfo {
  int exit_code = 0;  // the child's status, or 128 + signal as shells report it
  int signal = 0;     // the signal that ended it, or 0
  struct rusage usage {};
  int forwarded_signal = 0;  // the last signal we passed on, or 0
};

// Waits for `pid`. Signals sent to us by another process (kill, an orchestrator) are passed
// on to the child; signals from the terminal already reached the whole foreground group.
// Every other child reaped on the way (orphans of the node's tree) goes to `on_reaped`.
// `on_tick`, when given, is called on this thread once a second while the child runs (first
// after one second), so a short child costs no timer and no thread.
ExitInfo WaitForwarding(pid_t pid, const SignalBlock& block,
                        const std::function<void(pid_t, const struct rusage&)>& on_reaped,
                        const std::function<void()>& on_tick = {});

// The current environment with `overrides` ("KEY=value") replacing or adding entries.
std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides);

}  // namespace kfm::pipeline
