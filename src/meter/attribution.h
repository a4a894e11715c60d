// Splits each sampling interval's measured energy between the nodes running in it: CPU
// package and DRAM energy by each node's share of the machine's busy CPU time, GPU energy by
// each node's share of the GPU's use. What no node used stays "unattributed", so for every
// channel: sum of nodes' attributed + unattributed == measured, exactly. Pure arithmetic, no
// I/O; thread-compatible (the sampler calls it under its lock).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "meter/energy_source.h"

namespace kfm::meter {

struct HourEnergy {
  int64_t hour_start_s = 0;  // UTC, multiple of 3600
  double cpu_j = 0;
  double dram_j = 0;
  double gpu_j = 0;
};

struct NodeEnergy {
  std::vector<double> channel_measured_j;    // whole channel while the node ran
  std::vector<double> channel_attributed_j;  // the node's part of it
  double cpu_s = 0;                          // CPU time of the node's tree
  double cpu_j = 0;                          // attributed package energy
  double dram_j = 0;
  double gpu_j = 0;
  double package_j = 0;  // whole-machine package energy while it ran
  double dram_measured_j = 0;
  double gpu_measured_j = 0;
  std::vector<HourEnergy> hours;
  int intervals = 0;
  int substituted_intervals = 0;  // intervals where a counter failed and the model stood in
};

struct Interval {
  int64_t wall_start_ns = 0;
  int64_t wall_end_ns = 0;
  std::span<const double> channel_delta_j;  // per channel, >= 0
  double machine_busy_s = 0;                // busy CPU time of the whole machine
  std::span<const double> node_cpu_s;       // per node, CPU time in this interval
  std::span<const bool> node_active;        // per node, whether it ran in this interval
  // Per channel, per node share of that channel's use (only read for GPU channels); empty
  // when nobody used any GPU.
  const std::vector<std::vector<double>>* gpu_share = nullptr;
  bool substituted = false;
};

class Attribution {
 public:
  explicit Attribution(std::vector<Channel> channels);

  int AddNode();
  void Add(const Interval& interval);

  [[nodiscard]] const std::vector<Channel>& channels() const { return channels_; }
  [[nodiscard]] const NodeEnergy& node(int id) const { return nodes_[id]; }
  [[nodiscard]] const std::vector<double>& measured_j() const { return measured_j_; }
  [[nodiscard]] const std::vector<double>& unattributed_j() const { return unattributed_j_; }

 private:
  std::vector<Channel> channels_;
  std::vector<NodeEnergy> nodes_;
  std::vector<double> measured_j_;
  std::vector<double> unattributed_j_;
  std::vector<double> share_;  // scratch
};

// Adds energy spread evenly over [start_ns, end_ns) into UTC hour buckets.
void SpreadOverHours(std::vector<HourEnergy>& hours, int64_t start_ns, int64_t end_ns, double cpu_j,
                     double dram_j, double gpu_j);

}  // namespace kfm::meter
