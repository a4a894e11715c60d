// Start here: measure the energy of a section of your own program, the way `kfm-energy run`
// measures a command. A Meter opens the machine's energy sources in the documented fallback
// order (RAPL, NVML, then the CCF model; KFM_SYSFS_ROOT, KFM_NVML_LIBRARY and
// KFM_SAMPLE_INTERVAL_MS apply) and runs one sampler thread. The Meter is thread-safe; a
// Section belongs to the thread that began it.
#pragma once

#include <memory>
#include <string>

#include "kfm/status.h"
#include "kfm/units.h"

namespace kfm {

// What a measured section cost. Every figure says how it was obtained.
struct EnergyReport {
  Joules cpu;          // attributed to this process tree
  Joules cpu_package;  // the whole machine's package energy meanwhile
  Joules dram;
  Joules gpu;
  Joules total;
  Seconds duration{0};
  double cpu_util_pct = 0;  // percent of one core
  std::string cpu_method;   // "rapl", "model-ccf-<family>", ...
  std::string dram_method;
  std::string gpu_method;  // "nvml-energy", "nvml-power" or "none"
  bool modelled = false;   // true when any part came from the model
};

class Meter {
 public:
  // InvalidArgument when a KFM_* variable is malformed; never fails for missing hardware
  // (the model stands in, labelled as such).
  static Result<std::unique_ptr<Meter>> FromEnv();
  ~Meter();
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  // A measured section of this process (and the children it starts), from Begin to End.
  class Section {
   public:
    Section(Section&&) noexcept;
    Section& operator=(Section&&) noexcept;
    ~Section();  // ends the section if End was not called
    EnergyReport End();

   private:
    friend class Meter;
    Section(Meter* meter, int node);
    Meter* meter_ = nullptr;
    int node_ = -1;
  };

  Result<Section> Begin(const std::string& name);

 private:
  struct Impl;
  explicit Meter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kfm
