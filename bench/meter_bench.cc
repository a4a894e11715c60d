// The meter's own cost, the figures behind docs/performance.md: what one sample of every source
// costs (BM_SampleNow) and how much CPU the sampler thread uses per second at a given period
// (BM_SamplerCpu). Each benchmark sets KFM_* and FAKE_NVML_* in this process's environment before
// it selects its sources, so benchmarks must run one after another (Google Benchmark's default).
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "meter/cpu_accounting.h"
#include "meter/sampler.h"
#include "meter/source_selection.h"

namespace kfm::meter {
namespace {

// Processes in the measured node's tree: one shell and its sleeping children.
constexpr int kTreeProcesses = 20;

enum class Sources { kModel, kRaplNvml };
enum class Tree { kNone, kCgroup, kProcfs };

double ProcessCpuSeconds() {
  struct timespec now {};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Children of `parent`, from a scan of /proc/<pid>/stat.
int CountChildren(pid_t parent) {
  int count = 0;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return -1;
  while (const dirent* d = ::readdir(dir)) {
    if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
    const std::string path = std::string("/proc/") + d->d_name + "/stat";
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr) continue;
    char line[512] = {};
    const size_t n = std::fread(line, 1, sizeof(line) - 1, file);
    std::fclose(file);
    line[n] = '\0';
    const char* close = std::strrchr(line, ')');
    if (close == nullptr) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) ++count;
  }
  ::closedir(dir);
  return count;
}

// A node's process tree of kTreeProcesses: a shell that starts 19 `sleep 600` and waits. The
// shell is forked at once but held before exec until Release(), so that its pid is known
// before the sources are selected (the fake NVML lists it as a GPU user) and it can be moved
// into the node's cgroup before it has children. The whole process group dies with the object;
// like the runner, this process is child subreaper, so the orphaned sleeps come back to be reaped.
class ProcessTree {
 public:
  ProcessTree() {
    BecomeSubreaper();
    int go[2];
    int ready[2];
    if (::pipe2(go, O_CLOEXEC) != 0) return;
    if (::pipe2(ready, O_CLOEXEC) != 0) {
      ::close(go[0]);
      ::close(go[1]);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      char byte = 0;
      if (::read(go[0], &byte, 1) != 1) ::_exit(3);
      ::dup2(ready[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
      ::execl("/bin/sh", "sh", "-c", "for i in $(seq 19); do sleep 600 & done; echo ready; wait",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);  // either side may win the race; both set the same
    ::close(go[0]);
    ::close(ready[1]);
    go_fd_ = go[1];
    ready_fd_ = ready[0];
  }
  ~ProcessTree() {
    Kill();
    if (go_fd_ >= 0) ::close(go_fd_);
    if (ready_fd_ >= 0) ::close(ready_fd_);
  }
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  // Lets the shell run and waits until it has started all its children; false otherwise.
  bool Release() {
    if (pid_ <= 0 || ::write(go_fd_, "x", 1) != 1) return false;
    char line[16] = {};
    if (::read(ready_fd_, line, sizeof(line) - 1) <= 0) return false;
    return CountChildren(pid_) == kTreeProcesses - 1;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    // The shell and, once it is gone, its orphaned sleeps: all of the group, so that the
    // node's cgroup is empty and can be removed.
    int status = 0;
    while (::waitpid(-pid_, &status, 0) > 0 || errno == EINTR) {
    }
    pid_ = 0;
  }

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;
  int ready_fd_ = -1;
};

// Sources as a real run selects them, from the environment a user would set.
// kModel: no RAPL (the no-rapl fixture tree), no NVML library. kRaplNvml: the two-socket Intel
// RAPL fixture tree (7 counters) and the fake NVML with 2 GPUs, on which `gpu_pid` holds work.
Result<SelectedSources> Select(Sources which, pid_t gpu_pid) {
  const std::string fixtures = KFM_FIXTURES_DIR;
  ::unsetenv("KFM_SAMPLE_INTERVAL_MS");
  if (which == Sources::kModel) {
    ::setenv("KFM_SYSFS_ROOT", (fixtures + "/sysfs/no-rapl").c_str(), 1);
    ::setenv("KFM_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
  } else {
    ::setenv("KFM_SYSFS_ROOT", (fixtures + "/sysfs/two-socket-intel").c_str(), 1);
    ::setenv("KFM_NVML_LIBRARY", KFM_FAKE_NVML_PATH, 1);
    ::setenv("FAKE_NVML_DEVICE_COUNT", "2", 1);
    ::setenv("FAKE_NVML_POWER_MW", "250000", 1);
    if (gpu_pid > 0) {
      const std::string pid = std::to_string(gpu_pid);
      ::setenv("FAKE_NVML_PROCESSES", ("0:" + pid + ":60,1:" + pid + ":40").c_str(), 1);
    } else {
      ::unsetenv("FAKE_NVML_PROCESSES");
    }
  }
  auto config = MeterConfig::FromEnv();
  if (!config.ok()) return config.status();
  SelectedSources sources = SelectSources(*config);
  if (which == Sources::kRaplNvml &&
      (sources.cpu_method != "rapl" || sources.gpu_method == "none")) {
    return Status::NotFound("fixture sources not selected: cpu " + sources.cpu_method + ", gpu " +
                            sources.gpu_method);
  }
  return sources;
}

// A sampler over the chosen sources and, unless kNone, one active node whose tree is running.
// Everything a benchmark needs, torn down in the right order (tree, then node, then sampler).
class Setup {
 public:
  Setup(Sources which, Tree tree, std::chrono::milliseconds period) {
    if (tree != Tree::kNone) {
      processes_ = std::make_unique<ProcessTree>();
      if (processes_->pid() <= 0) {
        error_ = "fork failed";
        return;
      }
    }
    auto sources = Select(which, processes_ ? processes_->pid() : 0);
    if (!sources.ok()) {
      error_ = sources.status().message();
      return;
    }
    std::string note;
    auto accounting = MakeCpuAccounting(
        tree == Tree::kCgroup ? AccountingMode::kCgroup : AccountingMode::kProcfs, &note);
    if (tree == Tree::kCgroup && accounting->kind() != "cgroup") {
      error_ = "cgroup accounting unavailable: " + note;
      return;
    }
    sampler_ = std::make_unique<Sampler>(std::move(sources).value(), std::move(accounting), period);
    if (tree == Tree::kNone) return;
    auto node = sampler_->AddNode("bench");
    if (!node.ok()) {
      error_ = node.status().message();
      return;
    }
    node_ = *node;
    sampler_->NodeStarting(node_);
    // The runner's child writes "0" to the join descriptor; the held shell cannot, so we move
    // it by pid, which is the same operation on the same cgroup.procs file.
    if (const int join = sampler_->JoinFd(node_); join >= 0) {
      const std::string line = std::to_string(processes_->pid()) + "\n";
      if (::write(join, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        error_ = "cannot move the node's root into its cgroup";
        return;
      }
    }
    sampler_->SetNodePid(node_, processes_->pid());
    if (!processes_->Release()) error_ = "the node's process tree did not start 19 children";
  }
  ~Setup() {
    if (processes_) processes_->Kill();
    if (sampler_) {
      sampler_->Stop();
      if (node_ >= 0) (void)sampler_->EndNode(node_);
    }
  }
  Setup(const Setup&) = delete;
  Setup& operator=(const Setup&) = delete;

  [[nodiscard]] const std::string& error() const { return error_; }
  Sampler& sampler() { return *sampler_; }

 private:
  std::unique_ptr<ProcessTree> processes_;
  std::unique_ptr<Sampler> sampler_;
  int node_ = -1;
  std::string error_;
};

// (1) One sample of all sources: sources read, machine CPU and memory from /proc, the node's CPU
// time (one cpu.stat read, or a scan of all of /proc), GPU process use and attribution.
void BM_SampleNow(benchmark::State& state, Sources which, Tree tree) {
  Setup setup(which, tree, kDefaultSampleInterval);
  if (!setup.error().empty()) {
    state.SkipWithError(setup.error().c_str());
    return;
  }
  Sampler& sampler = setup.sampler();
  sampler.SampleNow();  // the first sample has no predecessor and attributes nothing
  for (auto _ : state) sampler.SampleNow();
  state.counters["channels"] = static_cast<double>(sampler.Channels().size());
  state.counters["node_processes"] = tree == Tree::kNone ? 0 : kTreeProcesses;
}
BENCHMARK_CAPTURE(BM_SampleNow, model_no_node, Sources::kModel, Tree::kNone)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleNow, model_cgroup, Sources::kModel, Tree::kCgroup)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleNow, model_procfs, Sources::kModel, Tree::kProcfs)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleNow, rapl_nvml_no_node, Sources::kRaplNvml, Tree::kNone)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleNow, rapl_nvml_cgroup, Sources::kRaplNvml, Tree::kCgroup)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleNow, rapl_nvml_procfs, Sources::kRaplNvml, Tree::kProcfs)
    ->Unit(benchmark::kMicrosecond);

// Start-up, once per `kfm-energy run`: choosing the sources on a machine without RAPL or NVML
// (the CPU model is picked from /proc/cpuinfo). Part of the breakdown of BM_RunOverhead.
void BM_SelectSources(benchmark::State& state) {
  auto first = Select(Sources::kModel, 0);
  if (!first.ok()) {
    state.SkipWithError(first.status().message().c_str());
    return;
  }
  auto config = MeterConfig::FromEnv();
  for (auto _ : state) benchmark::DoNotOptimize(SelectSources(*config));
}
BENCHMARK(BM_SelectSources)->Unit(benchmark::kMicrosecond);

// (2) CPU the running sampler costs the machine, as a percentage of one core: the process's CPU
// time over max(5 s, 20 periods) of wall time while this thread sleeps, for a 20-process node
// on the RAPL + 2-GPU fixture sources. The argument is the period in milliseconds.
void BM_SamplerCpu(benchmark::State& state, Tree tree) {
  const std::chrono::milliseconds period(state.range(0));
  const auto window = std::max<std::chrono::milliseconds>(std::chrono::seconds(5), 20 * period);
  Setup setup(Sources::kRaplNvml, tree, period);
  if (!setup.error().empty()) {
    state.SkipWithError(setup.error().c_str());
    return;
  }
  setup.sampler().Start();
  double cpu_s = 0;
  double wall_s = 0;
  for (auto _ : state) {
    const double cpu_before = ProcessCpuSeconds();
    const auto wall_before = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(window);
    cpu_s += ProcessCpuSeconds() - cpu_before;
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  }
  const double wakeups = wall_s / std::chrono::duration<double>(period).count();
  state.counters["cpu_pct_of_one_core"] = 100.0 * cpu_s / wall_s;
  state.counters["cpu_us_per_sample"] = 1e6 * cpu_s / wakeups;
  state.counters["period_ms"] = static_cast<double>(period.count());
  state.counters["is_default"] = period == kDefaultSampleInterval ? 1 : 0;
}
BENCHMARK_CAPTURE(BM_SamplerCpu, rapl_nvml_cgroup, Tree::kCgroup)
    ->Arg(100)
    ->Arg(500)
    ->Arg(1000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SamplerCpu, rapl_nvml_procfs, Tree::kProcfs)
    ->Arg(100)
    ->Arg(500)
    ->Arg(1000)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kfm::meter
