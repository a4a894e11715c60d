// Test helper: runs a command with extra environment and captures its output and exit code.
// Uses fork/exec and temporary files; for tests only. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace kfm::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs argv with the current environment plus `env` ("KEY=value"; "KEY=" with nothing after
// the '=' removes KEY). Waits at most `timeout_s` seconds, then kills it.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {}, double timeout_s = 60);

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The environment of an isolated kfm-energy process for tests: KFM_HOME=`home`,
// KFM_RUN_ID=`run_id`, no RAPL or NVML (paths that do not exist), no parent trace, no node
// report, no KFM_REGION or extra carbon tables, a 50 ms sampler; then `extra` ("KEY=value")
// replaces or adds entries.
std::vector<std::string> IsolatedRunEnv(const std::string& home, const std::string& run_id,
                                        const std::vector<std::string>& extra = {});

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// A loopback TCP port free a moment ago (bound, then released), for a server a test starts;
// 0 when none could be had, so the server fails to start and the test says so.
int FreeLoopbackPort();

// Starts argv (argv[0] looked up on PATH unless it is a path) with its stdout, and its stderr
// too when `and_stderr`, in `out_file` (created or truncated). The child's pid; -1 when fork
// failed.
pid_t SpawnWithOutput(std::vector<std::string> argv, const std::string& out_file, bool and_stderr);

// For a server `pid` that writes a line to `file` once it listens: waits up to `timeout`,
// polling every `poll`, for a first line that `ready` accepts. "" when it came; otherwise why
// not, naming the server `name` ("the receiver"), and `pid` is -1 when the server exited.
std::string AwaitReadyLine(pid_t& pid, const std::string& file, const std::string& name,
                           std::chrono::milliseconds timeout, std::chrono::milliseconds poll,
                           const std::function<bool(const std::string& line)>& ready);

// SIGTERM to `pid` and reaped, when it is a process (> 0); then -1.
void StopProcess(pid_t& pid);

// A server process (argv, stdout and stderr to `log`) for the object's lifetime; SIGTERM and
// reaped when it goes.
class BackgroundProcess {
 public:
  BackgroundProcess(std::vector<std::string> argv, const std::string& log);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace kfm::testing
