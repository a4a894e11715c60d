// Test helper: runs a command with extra environment and captures its output and exit code.
// Uses fork/exec and temporary files; for tests only. Thread-compatible.
#pragma once

#include <sys/types.h>

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
