// What `kfm-energy run` adds to a command's wall time: `kfm-energy run -q --node b -- /bin/true`
// against plain `/bin/true`, each started with fork/exec and waited for, plus variants that show
// where the time goes. Runs write under a temporary KFM_HOME whose telemetry is removed between
// invocations (outside the timing), so each is the first node of its run, as in a pipeline; the
// run history (history.sqlite) stays, as in any home after its first run, except in the
// `_new_home` variant, which empties the home and so pays for creating the history each time.
// Single-threaded.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace {

// The child's environment: this process's, without anything that steers kfm-energy (the meter
// benchmarks set some), plus `extra`.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("KFM_") || entry.starts_with("FAKE_NVML_") ||
        entry.starts_with("TRACEPARENT=") || entry.starts_with("OTEL_")) {
      continue;
    }
    env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Starts argv[0] with fork/execve, output to /dev/null, and waits. Returns the wall seconds, or
// a negative value when it did not exit 0.
double ForkExecWait(std::vector<std::string> argv, std::vector<std::string> env) {
  auto args = Pointers(argv);
  auto envp = Pointers(env);
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  const pid_t done = pid > 0 ? ::waitpid(pid, &status, 0) : -1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(null_fd);
  if (done != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return seconds;
}

class TempHome {
 public:
  TempHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kfm-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempHome() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // Removes what the previous invocation wrote; with `keep_history`, all but history.sqlite
  // (and its -wal and -shm files).
  void Empty(bool keep_history) const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
      if (keep_history && entry.path().filename().string().starts_with("history.sqlite")) continue;
      std::filesystem::remove_all(entry.path(), ec);
    }
  }

 private:
  std::string path_;
};

// Times `kfm-energy <args>` and /bin/true alternately, so drift on the machine affects both
// alike. The reported time (manual) is the difference per invocation; the counters give each
// side's mean. `gap` is idle time before each command, outside the timing: a pipeline starts one
// run per node, seconds apart, and some kernel costs (moving a process into a cgroup waits for an
// RCU grace period unless another move happened moments before) only show when runs are apart.
void BM_RunOverhead(benchmark::State& state, std::vector<std::string> args,
                    std::chrono::milliseconds gap, bool keep_history = true) {
  TempHome home;
  if (home.path().empty()) {
    state.SkipWithError("cannot create a temporary KFM_HOME");
    return;
  }
  std::vector<std::string> kfm_argv = {KFM_BINARY};
  kfm_argv.insert(kfm_argv.end(), args.begin(), args.end());
  const std::vector<std::string> true_argv = {"/bin/true"};
  const auto env = ChildEnvironment({"KFM_HOME=" + home.path(), "KFM_RUN_ID=bench-run-overhead",
                                     "KFM_SYSFS_ROOT=" KFM_FIXTURES_DIR "/sysfs/no-rapl"});
  double true_total = 0;
  double kfm_total = 0;
  std::vector<double> extras;  // per invocation, for the min and the median
  for (auto _ : state) {
    std::this_thread::sleep_for(gap);
    const double plain = ForkExecWait(true_argv, env);
    std::this_thread::sleep_for(gap);
    const double wrapped = ForkExecWait(kfm_argv, env);
    if (plain < 0 || wrapped < 0) {
      state.SkipWithError(plain < 0 ? "/bin/true failed" : "kfm-energy failed (run it by hand)");
      break;
    }
    state.SetIterationTime(wrapped - plain);
    extras.push_back(wrapped - plain);
    true_total += plain;
    kfm_total += wrapped;
    home.Empty(keep_history);
  }
  const auto n = static_cast<double>(state.iterations());
  if (n > 0) {
    state.counters["bin_true_ms"] = 1e3 * true_total / n;
    state.counters["kfm_ms"] = 1e3 * kfm_total / n;
    state.counters["extra_ms"] = 1e3 * (kfm_total - true_total) / n;
  }
  // A shared machine's outliers (another process's fsync, a build) swell the mean; the min
  // and the median say what the code costs.
  if (!extras.empty()) {
    std::sort(extras.begin(), extras.end());
    state.counters["extra_min_ms"] = 1e3 * extras.front();
    state.counters["extra_median_ms"] = 1e3 * extras[extras.size() / 2];
  }
}

using std::chrono::milliseconds;
const std::vector<std::string> kRun = {"run", "-q", "--node", "b", "--", "/bin/true"};
const std::vector<std::string> kRunProcfs = {"run", "-q", "--cpu-accounting", "procfs", "--node",
                                             "b",   "--", "/bin/true"};

// The goal's figure is run_spaced: the default command, runs 250 ms apart, as in a pipeline.
// The rest is the breakdown: the same back to back; with /proc accounting (no cgroup move); and
// the bare start-up of the binary (`kfm-energy version`: loading, static initialisation, exit).
#define KFM_RUN_OVERHEAD(name, args)                                            \
  BENCHMARK_CAPTURE(BM_RunOverhead, name##_spaced, args, milliseconds(250))     \
      ->UseManualTime()                                                         \
      ->Iterations(40)                                                          \
      ->Unit(benchmark::kMillisecond);                                          \
  BENCHMARK_CAPTURE(BM_RunOverhead, name##_back_to_back, args, milliseconds(0)) \
      ->UseManualTime()                                                         \
      ->MinTime(2.0)                                                            \
      ->Unit(benchmark::kMillisecond)
KFM_RUN_OVERHEAD(run, kRun);
KFM_RUN_OVERHEAD(run_procfs, kRunProcfs);
KFM_RUN_OVERHEAD(version, std::vector<std::string>{"version"});
// The first run in a home also creates history.sqlite (schema, WAL): a one-off per home.
BENCHMARK_CAPTURE(BM_RunOverhead, run_new_home_back_to_back, kRun, milliseconds(0), false)
    ->UseManualTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace
