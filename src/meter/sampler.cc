#include "meter/sampler.h"

#include <algorithm>
#include <map>

#include "meter/nvml_source.h"
#include "meter/wall_clock.h"

namespace kfm::meter {
namespace {

std::vector<Channel> AllChannels(const SourceList& sources) {
  std::vector<Channel> channels;
  for (const auto& source : sources) {
    channels.insert(channels.end(), source->channels().begin(), source->channels().end());
  }
  return channels;
}

}  // namespace

Sampler::Sampler(SelectedSources sources, std::unique_ptr<CpuAccounting> accounting,
                 std::chrono::milliseconds period)
    : sources_(std::move(sources)),
      accounting_(std::move(accounting)),
      period_(period),
      channels_(AllChannels(sources_.sources)),
      attribution_(channels_) {
  size_t offset = 0;
  for (const auto& source : sources_.sources) {
    source_offset_.push_back(offset);
    offset += source->channels().size();
  }
  previous_j_.assign(channels_.size(), Joules(0));
  current_j_.assign(channels_.size(), Joules(0));
  delta_j_.assign(channels_.size(), 0.0);
  backup_j_.assign(sources_.backup_model->channels().size(), Joules(0));
  previous_backup_j_ = backup_j_;
  gpu_share_.assign(channels_.size(), {});
  failed_before_.assign(sources_.sources.size(), false);
}

Sampler::~Sampler() { Stop(); }

void Sampler::Start() {
  {
    std::lock_guard lock(mu_);
    SampleLocked();
  }
  thread_ = std::thread([this] { Loop(); });
}

void Sampler::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sampler::Loop() {
  std::unique_lock lock(mu_);
  auto next = std::chrono::steady_clock::now() + period_;
  while (!stop_) {
    if (wake_.wait_until(lock, next, [this] { return stop_; })) break;
    SampleLocked();
    next += period_;
    // After a stall (suspended machine, overloaded host) resume the rhythm instead of
    // firing a burst of catch-up samples.
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + period_;
  }
}

Result<int> Sampler::AddNode(const std::string& name) {
  std::lock_guard lock(mu_);
  auto id = accounting_->AddNode(name);
  if (!id.ok()) return id.status();
  const int attribution_id = attribution_.AddNode();
  (void)attribution_id;  // ids are dense and kept in step with the accounting's
  nodes_.emplace_back();
  node_cpu_now_.resize(nodes_.size(), 0.0);
  node_cpu_delta_.resize(nodes_.size(), 0.0);
  auto active = std::make_unique<bool[]>(nodes_.size());
  for (size_t i = 0; i < node_active_size_; ++i) active[i] = node_active_[i];
  node_active_ = std::move(active);
  node_active_size_ = nodes_.size();
  for (auto& shares : gpu_share_) shares.resize(nodes_.size(), 0.0);
  return *id;
}

int Sampler::JoinFd(int node) const {
  std::lock_guard lock(mu_);
  return accounting_->JoinFd(node);
}

int Sampler::GroupDirFd(int node) const {
  std::lock_guard lock(mu_);
  return accounting_->GroupDirFd(node);
}

void Sampler::NodeStarting(int node) {
  std::lock_guard lock(mu_);
  SampleLocked();
  NodeState& state = nodes_[node];
  state.active = true;
  state.start_unix_ns = previous_unix_ns_;
  state.start_steady = previous_steady_;
  state.last_cpu_s = 0;
}

void Sampler::SetNodePid(int node, pid_t pid) {
  std::lock_guard lock(mu_);
  accounting_->SetRootPid(node, pid);
}

void Sampler::OnReaped(pid_t pid, const struct rusage& usage) {
  std::lock_guard lock(mu_);
  accounting_->OnReaped(pid, usage);
}

NodeMeasurement Sampler::EndNode(int node) {
  std::lock_guard lock(mu_);
  SampleLocked();
  NodeState& state = nodes_[node];
  state.active = false;
  state.ended = true;
  accounting_->EndNode(node);
  NodeMeasurement m;
  m.energy = attribution_.node(node);
  m.channels = channels_;
  m.start_unix_ns = state.start_unix_ns;
  m.end_unix_ns = previous_unix_ns_;
  m.duration = previous_steady_ - state.start_steady;
  m.cpu_util_pct = m.duration.count() > 0 ? 100.0 * m.energy.cpu_s / m.duration.count() : 0.0;
  m.samples = state.samples;
  m.notes = state.notes;
  return m;
}

void Sampler::SampleNow() {
  std::lock_guard lock(mu_);
  SampleLocked();
}

std::vector<double> Sampler::MeasuredJoules() const {
  std::lock_guard lock(mu_);
  return attribution_.measured_j();
}

std::vector<double> Sampler::UnattributedJoules() const {
  std::lock_guard lock(mu_);
  return attribution_.unattributed_j();
}

std::vector<Channel> Sampler::Channels() const {
  std::lock_guard lock(mu_);
  return channels_;
}

void Sampler::SampleLocked() {
  const auto now_steady = std::chrono::steady_clock::now();
  const int64_t now_unix = UnixNanos(now_steady);  // wall_clock.h: immune to clock steps
  auto cpu = proc_.ReadCpu();
  const MachineCpu machine = cpu.ok() ? *cpu : previous_cpu_;

  ReadContext context;
  context.now = now_steady;
  if (have_previous_) {
    const double total = machine.total_s - previous_cpu_.total_s;
    context.machine_cpu_utilization =
        total > 0 ? (machine.busy_s - previous_cpu_.busy_s) / total : 0.0;
  }
  if (auto memory = proc_.ReadMemoryUsedGb(); memory.ok()) context.machine_memory_used_gb = *memory;

  // Sources. A source that fails keeps its old reading; the backup model stands in below.
  std::vector<bool> source_failed(sources_.sources.size(), false);
  for (size_t s = 0; s < sources_.sources.size(); ++s) {
    auto& source = *sources_.sources[s];
    std::span<Joules> out(current_j_.data() + source_offset_[s], source.channels().size());
    Status status = source.Read(context, out);
    if (!status.ok()) {
      source_failed[s] = true;
      for (auto& node : nodes_) {
        if (node.active &&
            std::find(node.notes.begin(), node.notes.end(), status.message()) == node.notes.end()) {
          node.notes.push_back(status.message());
        }
      }
    }
  }
  (void)sources_.backup_model->Read(context, backup_j_);

  // Nodes' CPU time.
  (void)accounting_->Read(node_cpu_now_);

  if (have_previous_) {
    bool substituted = false;
    for (size_t s = 0; s < sources_.sources.size(); ++s) {
      const auto& source = *sources_.sources[s];
      const size_t first = source_offset_[s];
      const size_t last = first + source.channels().size();
      for (size_t c = first; c < last; ++c) {
        delta_j_[c] = std::max(0.0, (current_j_[c] - previous_j_[c]).value());
      }
      // A source that failed now, or failed last time and so reports the whole gap in one
      // jump now, is not trusted for this interval: the model stands in for CPU and DRAM
      // (a GPU gets nothing: no model beats a guess), and the note on the span says so.
      if (!source_failed[s] && !failed_before_[s]) continue;
      size_t packages = 0;
      for (size_t c = first; c < last; ++c)
        packages += channels_[c].domain == Domain::kPackage ? 1 : 0;
      for (size_t c = first; c < last; ++c) {
        switch (channels_[c].domain) {
          case Domain::kPackage:
            delta_j_[c] =
                (backup_j_[0] - previous_backup_j_[0]).value() / static_cast<double>(packages);
            substituted = true;
            break;
          case Domain::kDram:
            delta_j_[c] = (backup_j_[1] - previous_backup_j_[1]).value();
            substituted = true;
            break;
          default:
            delta_j_[c] = 0;
            break;
        }
      }
    }
    double busy = machine.busy_s - previous_cpu_.busy_s;
    for (size_t n = 0; n < nodes_.size(); ++n) {
      node_active_[n] = nodes_[n].active;
      node_cpu_delta_[n] =
          nodes_[n].active ? std::max(0.0, node_cpu_now_[n] - nodes_[n].last_cpu_s) : 0.0;
    }
    if (sources_.nvml != nullptr) ComputeGpuSharesLocked();
    Interval interval;
    interval.wall_start_ns = previous_unix_ns_;
    interval.wall_end_ns = now_unix;
    interval.channel_delta_j = delta_j_;
    interval.machine_busy_s = std::max(0.0, busy);
    interval.node_cpu_s = node_cpu_delta_;
    interval.node_active = std::span<const bool>(node_active_.get(), node_active_size_);
    interval.gpu_share = &gpu_share_;
    interval.substituted = substituted;
    attribution_.Add(interval);
    for (auto& node : nodes_) node.samples += node.active ? 1 : 0;
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (nodes_[n].active) nodes_[n].last_cpu_s = std::max(nodes_[n].last_cpu_s, node_cpu_now_[n]);
  }
  failed_before_ = source_failed;
  previous_j_ = current_j_;
  previous_backup_j_ = backup_j_;
  previous_cpu_ = machine;
  previous_steady_ = now_steady;
  previous_unix_ns_ = now_unix;
  have_previous_ = true;
}

void Sampler::ComputeGpuSharesLocked() {
  for (auto& shares : gpu_share_) std::fill(shares.begin(), shares.end(), 0.0);
  bool any_active = false;
  for (const auto& node : nodes_) any_active |= node.active;
  if (!any_active) return;
  std::vector<GpuProcessUse> uses;
  if (!sources_.nvml->ReadProcessUse(uses).ok()) return;
  // Per GPU: the sum of SM use by node and in all; or, where NVML gives no utilisation,
  // the number of processes holding a context.
  struct GpuTally {
    std::map<int, double> by_node;
    double all = 0;
  };
  std::map<int, GpuTally> util, contexts;
  for (const auto& use : uses) {
    const int node = accounting_->NodeOfPid(static_cast<pid_t>(use.pid));
    const bool counts =
        node >= 0 && static_cast<size_t>(node) < nodes_.size() && nodes_[node].active;
    auto& tally = use.sm_util_pct >= 0 ? util[use.gpu_index] : contexts[use.gpu_index];
    const double weight = use.sm_util_pct >= 0 ? use.sm_util_pct : 1.0;
    tally.all += weight;
    if (counts) tally.by_node[node] += weight;
  }
  for (size_t c = 0; c < channels_.size(); ++c) {
    if (channels_[c].domain != Domain::kGpu) continue;
    const int gpu = channels_[c].index;
    const GpuTally* tally = nullptr;
    if (auto it = util.find(gpu); it != util.end() && it->second.all > 0) {
      tally = &it->second;
    } else if (auto ctx = contexts.find(gpu); ctx != contexts.end() && ctx->second.all > 0) {
      tally = &ctx->second;
    }
    if (tally == nullptr) continue;
    for (const auto& [node, weight] : tally->by_node) gpu_share_[c][node] = weight / tally->all;
  }
}

}  // namespace kfm::meter
