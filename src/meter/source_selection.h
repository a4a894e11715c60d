// The fallback order of energy sources, written down in one place:
//   CPU package:  RAPL powercap  ->  CCF model (labelled model-ccf-<family>)
//   DRAM:         RAPL dram zone ->  CCF memory model
//   GPU:          NVML total-energy counter -> NVML power integrated by the sampler -> none
// SelectSources opens what the machine offers and records why every other source was
// skipped, which is what `kfm-energy probe` prints. Not thread-safe; call once per process.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meter/energy_source.h"
#include "meter/model_source.h"

namespace kfm::meter {

class NvmlSource;

struct MeterConfig {
  std::filesystem::path sysfs_root = "/sys";
  std::string nvml_library = "libnvidia-ml.so.1";
  std::chrono::milliseconds sample_interval{0};
  std::string cpuinfo;  // text of /proc/cpuinfo
  int vcpus = 1;

  // From KFM_SYSFS_ROOT, KFM_NVML_LIBRARY, KFM_SAMPLE_INTERVAL_MS and the running machine.
  // InvalidArgument when KFM_SAMPLE_INTERVAL_MS is not a number in [10, 60000].
  static Result<MeterConfig> FromEnv();
};

// The default sampler period; see docs/performance.md for the measurement behind it.
inline constexpr std::chrono::milliseconds kDefaultSampleInterval{1000};

struct SourceReport {
  std::string source;  // "rapl", "nvml", "model"
  bool used = false;
  std::string reason;  // why used or skipped
  std::vector<std::string> details;
};

struct SelectedSources {
  SourceList sources;                         // the primary sources, in fallback order
  NvmlSource* nvml = nullptr;                 // also in `sources`, for per-process GPU use
  std::unique_ptr<ModelSource> backup_model;  // stands in for a counter that fails mid-run
  std::string cpu_method = "none";
  std::string dram_method = "none";
  std::string gpu_method = "none";
  std::vector<SourceReport> report;
  std::vector<std::string> warnings;  // said once to the user (e.g. how to grant RAPL access)
};

SelectedSources SelectSources(const MeterConfig& config);

}  // namespace kfm::meter
