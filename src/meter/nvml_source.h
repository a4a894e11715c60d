// NVIDIA GPU energy through NVML: one channel per GPU, from the driver's energy counter where
// the GPU has one ("nvml-energy"), else from power sampled at each read and integrated with
// the trapezoid rule ("nvml-power"); also which processes use each GPU, for attribution.
// Owns NVML's init state (nvmlInit at Open, nvmlShutdown at destruction). Thread-compatible:
// the sampler thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meter/energy_source.h"
#include "meter/nvml_library.h"

namespace kfm::meter {

// One process seen on one GPU by ReadProcessUse.
struct GpuProcessUse {
  int gpu_index = 0;
  uint32_t pid = 0;
  // Mean SM utilisation, percent, over the driver's samples since the previous call (0 for a
  // process holding a context that had no sample while others did; the latest known mean when
  // the driver has no new sample in this window). Negative when NVML only says the process
  // holds a compute context: utilisation unsupported, or never sampled.
  double sm_util_pct = -1.0;
};

class NvmlSource final : public EnergySource {
 public:
  // Loads the library, initialises NVML and opens every GPU. NotFound, naming the library,
  // when it cannot be loaded, nvmlInit fails, or it reports no usable GPU.
  static Result<std::unique_ptr<NvmlSource>> Open(
      std::string library_path = NvmlLibrary::DefaultPath());

  NvmlSource(const NvmlSource&) = delete;
  NvmlSource& operator=(const NvmlSource&) = delete;
  ~NvmlSource() override;  // nvmlShutdown, then dlclose

  [[nodiscard]] std::string_view name() const override { return "nvml"; }
  [[nodiscard]] const std::vector<Channel>& channels() const override { return channels_; }
  // Joules per GPU since Open. A GPU that cannot be read keeps its previous value and the
  // status (Unavailable) names it; the next good read catches up from the last good one.
  Status Read(const ReadContext& context, std::span<Joules> out) override;

  // Replaces `out` with the processes on every GPU, sorted by GPU then pid: per-process SM
  // utilisation from the driver's samples newer than the previous call, plus every process
  // holding a compute context. A GPU whose query fails is named in the (Unavailable) status;
  // whatever could be read, on it and on the other GPUs, is still listed.
  Status ReadProcessUse(std::vector<GpuProcessUse>& out);

  // One line per GPU for `kfm-energy probe`: channel, name, method and why that method.
  [[nodiscard]] std::vector<std::string> Describe() const;

 private:
  struct Gpu {
    nvml::nvmlDevice_t device = nullptr;
    int index = 0;
    std::string label;  // "nvml:0 (NVIDIA H100 80GB HBM3)" for messages
    bool has_energy_counter = false;
    unsigned long long last_energy_mj = 0;
    // The latest mean SM % per pid, standing in for windows with no new driver sample (the
    // sampler may tick faster than the driver samples utilisation).
    std::map<uint32_t, double> last_sm;
    // Power integration: the previous sample and when it was taken.
    Watts last_power;
    std::chrono::steady_clock::time_point last_power_time;
    bool has_power_sample = false;
    Joules total;
    // Process utilisation: newest sample timestamp already consumed (microseconds).
    bool utilization_supported = false;
    unsigned long long last_seen_us = 0;
  };

  explicit NvmlSource(std::unique_ptr<NvmlLibrary> library) : library_(std::move(library)) {}
  Status ReadCounter(Gpu& gpu);
  Status ReadPower(Gpu& gpu, std::chrono::steady_clock::time_point now);
  Status ReadGpuProcesses(Gpu& gpu, std::vector<GpuProcessUse>& out);
  // NVML's sizing protocol around the two list queries; NOT_FOUND (nothing new) is success.
  nvml::nvmlReturn_t FetchUtilization(
      const Gpu& gpu, std::vector<nvml::nvmlProcessUtilizationSample_t>& samples) const;
  nvml::nvmlReturn_t FetchRunningProcesses(const Gpu& gpu,
                                           std::vector<nvml::nvmlProcessInfo_t>& infos) const;

  std::unique_ptr<NvmlLibrary> library_;
  bool initialized_ = false;
  std::vector<Channel> channels_;
  std::vector<Gpu> gpus_;
  std::vector<std::string> description_;
};

}  // namespace kfm::meter
