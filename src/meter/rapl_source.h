// RAPL energy counters through the Linux powercap interface ($KFM_SYSFS_ROOT/class/powercap):
// every package zone and its subzones (core, uncore, dram), psys, on Intel and AMD, with the
// MMIO duplicates of a package dropped. Counters are read with pread on descriptors kept open
// and unwrapped with max_energy_range_uj. Thread-compatible (owned by the sampler thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "meter/energy_source.h"
#include "meter/sysfs.h"

namespace kfm::meter {

// One zone found under powercap, readable or not; what `probe` shows.
struct RaplZone {
  std::string dir;        // e.g. "intel-rapl:0:2"
  std::string zone_name;  // the zone's "name" file: "package-0", "dram", "psys", ...
  Domain domain = Domain::kPackage;
  int socket = 0;
  uint64_t max_range_uj = 0;
  bool readable = false;
  bool duplicate = false;  // an intel-rapl-mmio zone whose package the MSR interface has
  std::string problem;     // why it is not used, when it is not
};

// Lists the zones under powercap. Never fails: a missing directory is an empty list.
std::vector<RaplZone> DiscoverRaplZones(const Sysfs& sysfs);

// How to let a non-root user read energy_uj; printed once when permission is denied.
std::string RaplPermissionAdvice();

class RaplSource final : public EnergySource {
 public:
  // NotFound when there is no usable zone; PermissionDenied when zones exist but none can
  // be read (the message says how to grant access).
  static Result<std::unique_ptr<RaplSource>> Open(const Sysfs& sysfs);

  [[nodiscard]] std::string_view name() const override { return "rapl"; }
  [[nodiscard]] const std::vector<Channel>& channels() const override { return channels_; }
  Status Read(const ReadContext& context, std::span<Joules> out) override;

 private:
  struct Counter {
    CounterFile file;
    uint64_t max_range_uj = 0;
    uint64_t last_uj = 0;
    double total_j = 0;
  };
  RaplSource() = default;
  std::vector<Channel> channels_;
  std::vector<Counter> counters_;
};

// Energy between two raw readings of a counter that wraps at max_range_uj.
uint64_t UnwrapDeltaUj(uint64_t previous, uint64_t current, uint64_t max_range_uj);

}  // namespace kfm::meter
