#include "meter/rapl_source.h"

#include <algorithm>
#include <map>
#include <regex>

namespace kfm::meter {
namespace {

constexpr const char* kPowercap = "class/powercap";

// "intel-rapl:0", "intel-rapl:0:2", "intel-rapl-mmio:0", "amd-rapl:0" (names differ by
// vendor and kernel; the "name" file inside says what the zone is).
const std::regex& ZoneDirPattern() {
  static const std::regex pattern(R"(^([a-z-]*rapl[a-z-]*):(\d+)(?::(\d+))?$)");
  return pattern;
}

Domain DomainFromZoneName(const std::string& name) {
  if (name.rfind("package", 0) == 0) return Domain::kPackage;
  if (name == "core") return Domain::kCore;
  if (name == "uncore") return Domain::kUncore;
  if (name == "dram") return Domain::kDram;
  if (name == "psys") return Domain::kPsys;
  return Domain::kCore;  // unknown subzones are informational, never summed
}

}  // namespace

std::string RaplPermissionAdvice() {
  return "RAPL energy counters exist but energy_uj is readable only by root on this kernel.\n"
         "  To let a group read them without root (persists across reboots):\n"
         "    sudo groupadd --system powercap && sudo usermod -aG powercap $USER\n"
         "    echo 'ACTION==\"add\", SUBSYSTEM==\"powercap\", RUN+=\"/bin/chgrp powercap "
         "/sys%p/energy_uj\", RUN+=\"/bin/chmod g+r /sys%p/energy_uj\"' |\n"
         "      sudo tee /etc/udev/rules.d/60-kfm-powercap.rules && sudo udevadm trigger "
         "--subsystem-match=powercap\n"
         "  Until then the CPU figure is modelled (energy.cpu_method=model-...).";
}

uint64_t UnwrapDeltaUj(uint64_t previous, uint64_t current, uint64_t max_range_uj) {
  if (current >= previous) return current - previous;
  // The counter passed max_energy_range_uj and restarted from zero.
  if (max_range_uj >= previous) return (max_range_uj - previous) + current;
  return current;  // range unknown or inconsistent: count what we can see, never negative
}

std::vector<RaplZone> DiscoverRaplZones(const Sysfs& sysfs) {
  std::vector<RaplZone> zones;
  std::map<int, std::string> msr_packages;  // socket -> dir of the MSR package zone
  for (const auto& dir : sysfs.List(kPowercap)) {
    std::smatch match;
    if (!std::regex_match(dir, match, ZoneDirPattern())) continue;
    const std::string base = std::string(kPowercap) + "/" + dir;
    RaplZone zone;
    zone.dir = dir;
    auto name = sysfs.ReadText(base + "/name");
    zone.zone_name = name.ok() ? *name : dir;
    zone.domain = DomainFromZoneName(zone.zone_name);
    zone.socket = std::stoi(match[2].str());
    if (zone.domain == Domain::kPackage) {
      // "package-1" names its socket; the directory index may differ on some machines.
      if (auto dash = zone.zone_name.find('-'); dash != std::string::npos) {
        try {
          zone.socket = std::stoi(zone.zone_name.substr(dash + 1));
        } catch (const std::exception&) {
        }
      }
    } else if (zone.domain == Domain::kPsys) {
      zone.socket = -1;
    }
    auto max_range = sysfs.ReadU64(base + "/max_energy_range_uj");
    zone.max_range_uj = max_range.ok() ? *max_range : 0;
    if (auto enabled = sysfs.ReadText(base + "/enabled"); enabled.ok() && *enabled == "0") {
      zone.problem = "zone disabled";
    }
    zones.push_back(std::move(zone));
  }
  // Subzones inherit the socket of their package (intel-rapl:1:0 belongs to package 1).
  std::map<std::pair<std::string, int>, int> package_socket;
  for (const auto& zone : zones) {
    std::smatch match;
    std::regex_match(zone.dir, match, ZoneDirPattern());
    if (!match[3].matched)
      package_socket[{match[1].str(), std::stoi(match[2].str())}] = zone.socket;
  }
  for (auto& zone : zones) {
    std::smatch match;
    std::regex_match(zone.dir, match, ZoneDirPattern());
    if (match[3].matched) {
      auto it = package_socket.find({match[1].str(), std::stoi(match[2].str())});
      if (it != package_socket.end()) zone.socket = it->second;
    }
    if (match[1].str() != "intel-rapl-mmio" && zone.domain == Domain::kPackage) {
      msr_packages[zone.socket] = zone.dir;
    }
  }
  // intel-rapl-mmio repeats the package counter the MSR interface already gives.
  for (auto& zone : zones) {
    if (zone.dir.rfind("intel-rapl-mmio", 0) == 0 && msr_packages.count(zone.socket) != 0 &&
        (zone.domain == Domain::kPackage || zone.domain == Domain::kDram)) {
      const bool msr_has_same = std::any_of(zones.begin(), zones.end(), [&](const RaplZone& other) {
        return other.dir.rfind("intel-rapl-mmio", 0) != 0 && other.socket == zone.socket &&
               other.domain == zone.domain;
      });
      if (msr_has_same) {
        zone.duplicate = true;
        zone.problem = "duplicate of " + msr_packages[zone.socket] + " (MMIO interface)";
      }
    }
  }
  for (auto& zone : zones) {
    if (!zone.problem.empty()) continue;
    auto file =
        CounterFile::Open(sysfs.Path(std::string(kPowercap) + "/" + zone.dir + "/energy_uj"));
    zone.readable = file.ok();
    if (!file.ok()) zone.problem = file.status().message();
  }
  return zones;
}

Result<std::unique_ptr<RaplSource>> RaplSource::Open(const Sysfs& sysfs) {
  auto zones = DiscoverRaplZones(sysfs);
  if (zones.empty()) {
    return Status::NotFound("no RAPL zones under " + sysfs.Path(kPowercap).string());
  }
  std::unique_ptr<RaplSource> source(new RaplSource());
  bool denied = false;
  std::string last_problem;
  for (const auto& zone : zones) {
    if (zone.duplicate) continue;
    const auto path = sysfs.Path(std::string(kPowercap) + "/" + zone.dir + "/energy_uj");
    auto file = CounterFile::Open(path);
    if (!file.ok()) {
      denied |= file.status().code() == Status::Code::kPermissionDenied;
      last_problem = file.status().message();
      continue;
    }
    if (!zone.problem.empty()) continue;
    Counter counter;
    counter.max_range_uj = zone.max_range_uj;
    auto first = file->Read();
    if (!first.ok()) continue;
    counter.last_uj = *first;
    counter.file = std::move(file).value();
    Channel channel;
    const std::string package =
        zone.socket >= 0 ? "package-" + std::to_string(zone.socket) : "platform";
    channel.id = zone.domain == Domain::kPackage || zone.domain == Domain::kPsys
                     ? "rapl:" + zone.zone_name
                     : "rapl:" + package + "/" + zone.zone_name;
    channel.domain = zone.domain;
    channel.index = zone.socket;
    channel.method = "rapl";
    channel.detail = path.string();
    source->channels_.push_back(std::move(channel));
    source->counters_.push_back(std::move(counter));
  }
  if (source->counters_.empty()) {
    if (denied) return Status::PermissionDenied(last_problem + "\n" + RaplPermissionAdvice());
    return Status::NotFound("no readable RAPL zone under " + sysfs.Path(kPowercap).string() +
                            (last_problem.empty() ? "" : ": " + last_problem));
  }
  const bool has_package =
      std::any_of(source->channels_.begin(), source->channels_.end(),
                  [](const Channel& c) { return c.domain == Domain::kPackage; });
  if (!has_package) {
    return Status::NotFound("RAPL zones under " + sysfs.Path(kPowercap).string() +
                            " have no package domain");
  }
  return source;
}

Status RaplSource::Read(const ReadContext& /*context*/, std::span<Joules> out) {
  Status result;
  for (size_t i = 0; i < counters_.size(); ++i) {
    auto& counter = counters_[i];
    auto raw = counter.file.Read();
    if (raw.ok()) {
      counter.total_j +=
          static_cast<double>(UnwrapDeltaUj(counter.last_uj, *raw, counter.max_range_uj)) * 1e-6;
      counter.last_uj = *raw;
    } else if (result.ok()) {
      result = Status::Unavailable(channels_[i].id + ": " + raw.status().message());
    }
    out[i] = Joules(counter.total_j);
  }
  return result;
}

}  // namespace kfm::meter
