// The one interface every energy source implements (RAPL powercap, NVML, the CPU model).
// A source exposes channels (one per package domain or GPU) and reports, for each, the
// energy accumulated since it was opened. Sources that only see power integrate it
// themselves between reads. Sources are thread-compatible: the sampler thread owns them.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "kfm/units.h"

namespace kfm::meter {

// What a channel's energy belongs to. Only kPackage, kDram and kGpu add up to a total;
// the others are subsets (core, uncore) or supersets (psys) of a package and are
// reported for information only.
enum class Domain { kPackage, kCore, kUncore, kDram, kPsys, kGpu };

std::string_view DomainName(Domain domain);
bool CountsTowardTotal(Domain domain);

struct Channel {
  std::string id;  // stable key, e.g. "rapl:package-0", "rapl:package-0/dram", "nvml:0"
  Domain domain = Domain::kPackage;
  int index = 0;       // socket or GPU index
  std::string method;  // "rapl", "nvml-energy", "nvml-power", "model-ccf-<family>"
  std::string detail;  // human text: sysfs path, GPU name, model coefficients
  bool modelled = false;
};

// What the sampler tells a source at each read: the time now and the machine's CPU
// utilisation (0..1) over the interval since the previous read. Power-based sources
// need both.
struct ReadContext {
  std::chrono::steady_clock::time_point now;
  double machine_cpu_utilization = 0.0;
  double machine_memory_used_gb = 0.0;
};

class EnergySource {
 public:
  virtual ~EnergySource() = default;
  // "rapl", "nvml" or "model".
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual const std::vector<Channel>& channels() const = 0;
  // Writes the cumulative energy of each channel (same order as channels()) into `out`.
  // A channel that cannot be read this time keeps its previous value and the call
  // returns a non-OK status naming it; the caller decides what substitutes.
  virtual Status Read(const ReadContext& context, std::span<Joules> out) = 0;
};

using SourceList = std::vector<std::unique_ptr<EnergySource>>;

}  // namespace kfm::meter
