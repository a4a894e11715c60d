#include "meter/attribution.h"

#include <algorithm>

namespace kfm::meter {

Attribution::Attribution(std::vector<Channel> channels)
    : channels_(std::move(channels)),
      measured_j_(channels_.size(), 0.0),
      unattributed_j_(channels_.size(), 0.0) {}

int Attribution::AddNode() {
  NodeEnergy node;
  node.channel_measured_j.assign(channels_.size(), 0.0);
  node.channel_attributed_j.assign(channels_.size(), 0.0);
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

void Attribution::Add(const Interval& interval) {
  const size_t n_nodes = nodes_.size();
  // CPU share: the node's CPU time over the machine's busy time. Tick granularity can make the
  // nodes' sum exceed the machine's figure in a short interval; dividing by the larger keeps
  // every share in [0, 1] and their sum <= 1.
  double nodes_cpu = 0;
  for (size_t n = 0; n < n_nodes; ++n) {
    if (n < interval.node_active.size() && interval.node_active[n])
      nodes_cpu += interval.node_cpu_s[n];
  }
  const double denominator = std::max(interval.machine_busy_s, nodes_cpu);
  share_.assign(n_nodes, 0.0);
  for (size_t n = 0; n < n_nodes; ++n) {
    if (n < interval.node_active.size() && interval.node_active[n] && denominator > 0) {
      share_[n] = interval.node_cpu_s[n] / denominator;
    }
  }

  std::vector<double> node_cpu_j(n_nodes, 0.0), node_dram_j(n_nodes, 0.0), node_gpu_j(n_nodes, 0.0);
  for (size_t c = 0; c < channels_.size(); ++c) {
    const double delta = std::max(0.0, interval.channel_delta_j[c]);
    const Domain domain = channels_[c].domain;
    measured_j_[c] += delta;
    double attributed_sum = 0;
    for (size_t n = 0; n < n_nodes; ++n) {
      if (n >= interval.node_active.size() || !interval.node_active[n]) continue;
      NodeEnergy& node = nodes_[n];
      node.channel_measured_j[c] += delta;
      double share = share_[n];
      if (domain == Domain::kGpu) {
        share = interval.gpu_share != nullptr && c < interval.gpu_share->size() &&
                        n < (*interval.gpu_share)[c].size()
                    ? (*interval.gpu_share)[c][n]
                    : 0.0;
      }
      const double part = delta * share;
      attributed_sum += part;
      node.channel_attributed_j[c] += part;
      switch (domain) {
        case Domain::kPackage:
          node.package_j += delta;
          node_cpu_j[n] += part;
          break;
        case Domain::kDram:
          node.dram_measured_j += delta;
          node_dram_j[n] += part;
          break;
        case Domain::kGpu:
          node.gpu_measured_j += delta;
          node_gpu_j[n] += part;
          break;
        default:
          break;  // core, uncore, psys: recorded per channel, never summed
      }
    }
    // The remainder, computed rather than derived, so the books balance to the last bit.
    unattributed_j_[c] += delta - attributed_sum;
  }
  for (size_t n = 0; n < n_nodes; ++n) {
    if (n >= interval.node_active.size() || !interval.node_active[n]) continue;
    NodeEnergy& node = nodes_[n];
    node.cpu_s += interval.node_cpu_s[n];
    node.cpu_j += node_cpu_j[n];
    node.dram_j += node_dram_j[n];
    node.gpu_j += node_gpu_j[n];
    node.intervals += 1;
    node.substituted_intervals += interval.substituted ? 1 : 0;
    SpreadOverHours(node.hours, interval.wall_start_ns, interval.wall_end_ns, node_cpu_j[n],
                    node_dram_j[n], node_gpu_j[n]);
  }
}

void SpreadOverHours(std::vector<HourEnergy>& hours, int64_t start_ns, int64_t end_ns, double cpu_j,
                     double dram_j, double gpu_j) {
  constexpr int64_t kHourNs = 3600LL * 1000000000LL;
  auto bucket = [&hours](int64_t hour_start_s) -> HourEnergy& {
    if (hours.empty() || hours.back().hour_start_s != hour_start_s) {
      auto it = std::find_if(hours.begin(), hours.end(),
                             [&](const HourEnergy& h) { return h.hour_start_s == hour_start_s; });
      if (it != hours.end()) return *it;
      hours.push_back({hour_start_s, 0, 0, 0});
    }
    return hours.back();
  };
  if (end_ns <= start_ns) {
    auto& h = bucket(start_ns / kHourNs * 3600);
    h.cpu_j += cpu_j;
    h.dram_j += dram_j;
    h.gpu_j += gpu_j;
    return;
  }
  const double span = static_cast<double>(end_ns - start_ns);
  for (int64_t t = start_ns; t < end_ns;) {
    const int64_t hour = t / kHourNs;
    const int64_t next = std::min(end_ns, (hour + 1) * kHourNs);
    const double fraction = static_cast<double>(next - t) / span;
    auto& h = bucket(hour * 3600);
    h.cpu_j += cpu_j * fraction;
    h.dram_j += dram_j * fraction;
    h.gpu_j += gpu_j * fraction;
    t = next;
  }
}

}  // namespace kfm::meter
