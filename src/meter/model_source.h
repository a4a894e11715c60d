// The modelled CPU and memory source for machines without energy counters (VMs, containers):
// Cloud Carbon Footprint's linear model, power = vCPUs x (min + utilisation x (max - min)),
// with per-microarchitecture coefficients generated from CCF's published constants, and
// memory at CCF's watts per GB. Every channel it exposes is marked modelled and its method
// names the coefficients used. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "meter/energy_source.h"

namespace kfm::meter {

struct CcfCpuCoefficient {
  const char* family;  // e.g. "Cascade Lake", "EPYC 2nd Gen"
  double min_watts;    // per vCPU at idle
  double max_watts;    // per vCPU at full load
};

struct CpuModelParams {
  std::string family;  // matched family, or "default" (CCF's average over all families)
  std::string key;     // method suffix, e.g. "ccf-cascade-lake", "ccf-default"
  double min_watts = 0;
  double max_watts = 0;
  int vcpus = 1;
  double memory_watts_per_gb = 0;
};

// Picks coefficients for a CPU from the text of /proc/cpuinfo.
CpuModelParams SelectCpuModel(std::string_view cpuinfo, int vcpus);

class ModelSource final : public EnergySource {
 public:
  explicit ModelSource(CpuModelParams params);
  [[nodiscard]] std::string_view name() const override { return "model"; }
  [[nodiscard]] const std::vector<Channel>& channels() const override { return channels_; }
  Status Read(const ReadContext& context, std::span<Joules> out) override;
  [[nodiscard]] const CpuModelParams& params() const { return params_; }

 private:
  CpuModelParams params_;
  std::vector<Channel> channels_;
  std::vector<Joules> total_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace kfm::meter
