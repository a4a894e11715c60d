#include "meter/energy_source.h"

namespace kfm::meter {

std::string_view DomainName(Domain domain) {
  switch (domain) {
    case Domain::kPackage:
      return "package";
    case Domain::kCore:
      return "core";
    case Domain::kUncore:
      return "uncore";
    case Domain::kDram:
      return "dram";
    case Domain::kPsys:
      return "psys";
    case Domain::kGpu:
      return "gpu";
  }
  return "unknown";
}

bool CountsTowardTotal(Domain domain) {
  return domain == Domain::kPackage || domain == Domain::kDram || domain == Domain::kGpu;
}

}  // namespace kfm::meter
