// The one sampler of a measuring process: a thread that reads every energy source, the
// machine's CPU time and each running node's CPU time once per period, and feeds the
// differences to Attribution. Nodes begin and end at any time; each begin and end takes a
// sample on the spot, so a node's figures cover exactly its own lifetime.
// Thread-safe: all public methods may be called from any thread.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "meter/attribution.h"
#include "meter/cpu_accounting.h"
#include "meter/proc_stats.h"
#include "meter/source_selection.h"

namespace kfm::meter {

struct NodeMeasurement {
  NodeEnergy energy;
  std::vector<Channel> channels;  // same order as energy.channel_*_j
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  Seconds duration{0};      // from the monotonic clock
  double cpu_util_pct = 0;  // percent of one core, averaged over the node's life
  int samples = 0;
  std::vector<std::string> notes;  // counter failures and substitutions, for the span
};

class Sampler {
 public:
  Sampler(SelectedSources sources, std::unique_ptr<CpuAccounting> accounting,
          std::chrono::milliseconds period);
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  ~Sampler();

  // Takes the first sample and starts the thread.
  void Start();
  void Stop();

  // Registers a node; call before starting its process. NodeStarted marks the start.
  Result<int> AddNode(const std::string& name);
  int JoinFd(int node) const;
  int GroupDirFd(int node) const;
  // Takes a sample now (the start boundary) and counts the node from here on.
  void NodeStarting(int node);
  void SetNodePid(int node, pid_t pid);
  void OnReaped(pid_t pid, const struct rusage& usage);
  // Takes a sample now (the end boundary) and returns the node's figures.
  NodeMeasurement EndNode(int node);

  [[nodiscard]] std::string_view accounting_kind() const { return accounting_->kind(); }
  [[nodiscard]] std::chrono::milliseconds period() const { return period_; }
  [[nodiscard]] const SelectedSources& sources() const { return sources_; }
  // Whole-machine totals so far, per channel (for conservation checks and the run summary).
  std::vector<double> MeasuredJoules() const;
  std::vector<double> UnattributedJoules() const;
  std::vector<Channel> Channels() const;
  // Takes one sample now; exposed for benchmarks.
  void SampleNow();

 private:
  struct NodeState {
    bool active = false;
    bool ended = false;
    int64_t start_unix_ns = 0;
    std::chrono::steady_clock::time_point start_steady;
    double last_cpu_s = 0;
    int samples = 0;
    std::vector<std::string> notes;
  };

  void Loop();
  void SampleLocked();
  void ComputeGpuSharesLocked();

  SelectedSources sources_;
  std::unique_ptr<CpuAccounting> accounting_;
  std::chrono::milliseconds period_;
  ProcStats proc_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;

  std::vector<Channel> channels_;
  std::vector<size_t> source_offset_;  // first channel of each source
  Attribution attribution_;
  std::vector<NodeState> nodes_;

  // Previous sample.
  bool have_previous_ = false;
  int64_t previous_unix_ns_ = 0;
  std::chrono::steady_clock::time_point previous_steady_;
  MachineCpu previous_cpu_;
  std::vector<Joules> previous_j_;
  std::vector<Joules> current_j_;
  std::vector<Joules> backup_j_;
  std::vector<Joules> previous_backup_j_;
  std::vector<double> delta_j_;
  std::vector<double> node_cpu_now_;
  std::vector<double> node_cpu_delta_;
  std::unique_ptr<bool[]> node_active_;
  size_t node_active_size_ = 0;
  std::vector<std::vector<double>> gpu_share_;
  std::vector<bool> failed_before_;  // per source: its read failed in the previous sample
};

}  // namespace kfm::meter
