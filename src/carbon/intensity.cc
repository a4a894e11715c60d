#include "carbon/intensity.h"

#include <cstdlib>

namespace kfm::carbon {

struct StaticIntensity {
  const char* region;
  const char* zone;
  int year;
  double gco2_per_kwh;
};

#include "carbon/static_intensity.inc"

std::vector<std::string> KnownRegions() {
  std::vector<std::string> regions;
  for (const auto& entry : kStaticIntensities) {
    regions.emplace_back(entry.region);
    regions.emplace_back(entry.zone);
  }
  return regions;
}

Result<Intensity> LookupIntensity(std::string_view region) {
  for (const auto& entry : kStaticIntensities) {
    if (region == entry.region || region == entry.zone) {
      return Intensity{entry.region,
                       entry.zone,
                       GramsPerKwh(entry.gco2_per_kwh),
                       "year",
                       kStaticIntensityTableId,
                       kStaticIntensityTableVersion,
                       kStaticIntensitySource};
    }
  }
  std::string known;
  for (const auto& name : KnownRegions()) known += (known.empty() ? "" : ", ") + name;
  return Status::InvalidArgument("KFM_REGION: unknown grid region '" + std::string(region) +
                                 "' (known: " + known + ")");
}

std::string RegionFromEnv() {
  const char* region = std::getenv("KFM_REGION");
  return region != nullptr && *region != '\0' ? region : kDefaultRegion;
}

}  // namespace kfm::carbon
