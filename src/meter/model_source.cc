#include "meter/model_source.h"

#include <algorithm>
#include <cctype>

namespace kfm::meter {

#include "meter/ccf_coefficients.inc"

namespace {

std::string Slug(std::string_view text) {
  std::string slug;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

// The value of the first "key<tabs>: value" line of /proc/cpuinfo (the first CPU's).
std::string CpuinfoField(std::string_view cpuinfo, std::string_view key) {
  size_t at = 0;
  while (at < cpuinfo.size()) {
    const size_t end = std::min(cpuinfo.find('\n', at), cpuinfo.size());
    const std::string_view line = cpuinfo.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, key.size()) != key) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    // Only tabs and spaces may stand between the key and the colon ("model" vs "model name").
    if (line.find_first_not_of(" \t", key.size()) != colon) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return std::string(value);
  }
  return {};
}

// Intel server microarchitectures by family 6 model number (Intel SDM, vol. 4, table 2-1).
std::string IntelFamilyFromModel(int model) {
  switch (model) {
    case 0x2D:
      return "Sandy Bridge";
    case 0x3E:
      return "Ivy Bridge";
    case 0x3F:
      return "Haswell";
    case 0x4F:
    case 0x56:
      return "Broadwell";
    case 0x55:
      return "Skylake";  // also Cascade Lake (stepping >= 5): refined below
    case 0x6A:
    case 0x6C:
      return "Ice Lake";
    case 0x8F:
      return "Sapphire Rapids";
    case 0x9E:
      return "Coffee Lake";
    default:
      return {};
  }
}

// AMD EPYC generations by family 0x17 / 0x19 and model.
std::string AmdFamily(int family, int model) {
  if (family == 0x17 && model < 0x30) return "AMD EPYC 1st Gen";
  if (family == 0x17) return "AMD EPYC 2nd Gen";
  if (family == 0x19 && model < 0x10) return "AMD EPYC 3rd Gen";
  if (family == 0x19) return "AMD EPYC 4th Gen";
  return {};
}

const CcfCpuCoefficient* FindCoefficient(const std::string& family) {
  if (family.empty()) return nullptr;
  for (const auto& c : kCcfCpuCoefficients) {
    if (Slug(c.family) == Slug(family)) return &c;
  }
  return nullptr;
}

}  // namespace

CpuModelParams SelectCpuModel(std::string_view cpuinfo, int vcpus) {
  const std::string vendor = CpuinfoField(cpuinfo, "vendor_id");
  const std::string model_name = CpuinfoField(cpuinfo, "model name");
  int family_number = 0;
  int model_number = 0;
  int stepping = 0;
  try {
    family_number = std::stoi(CpuinfoField(cpuinfo, "cpu family"));
    model_number = std::stoi(CpuinfoField(cpuinfo, "model"));
    stepping = std::stoi(CpuinfoField(cpuinfo, "stepping"));
  } catch (const std::exception&) {
  }
  std::string family;
  // Names in the model string win (they are what the cloud's instance docs use).
  for (const auto& c : kCcfCpuCoefficients) {
    if (!model_name.empty() && Slug(model_name).find(Slug(c.family)) != std::string::npos)
      family = c.family;
  }
  if (family.empty() && vendor == "GenuineIntel" && family_number == 6) {
    family = IntelFamilyFromModel(model_number);
    if (model_number == 0x55 && stepping >= 5) family = "Cascade Lake";
  } else if (family.empty() && vendor == "AuthenticAMD") {
    family = AmdFamily(family_number, model_number);
  }
  CpuModelParams params;
  params.vcpus = std::max(vcpus, 1);
  params.memory_watts_per_gb = kCcfMemoryWattsPerGb;
  if (const auto* c = FindCoefficient(family)) {
    params.family = c->family;
    params.key = "ccf-" + Slug(c->family);
    params.min_watts = c->min_watts;
    params.max_watts = c->max_watts;
  } else {
    params.family = "default";
    params.key = "ccf-default";
    params.min_watts = kCcfMinWattsAverage;
    params.max_watts = kCcfMaxWattsAverage;
  }
  return params;
}

ModelSource::ModelSource(CpuModelParams params) : params_(std::move(params)) {
  const std::string method = "model-" + params_.key;
  char detail[160];
  std::snprintf(detail, sizeof(detail), "%d vCPU x (%.2f + util x (%.2f - %.2f)) W [%s]",
                params_.vcpus, params_.min_watts, params_.max_watts, params_.min_watts,
                params_.family.c_str());
  channels_.push_back({"model:cpu", Domain::kPackage, 0, method, detail, true});
  std::snprintf(detail, sizeof(detail), "used memory GB x %.3f W/GB", params_.memory_watts_per_gb);
  channels_.push_back({"model:memory", Domain::kDram, 0, method, detail, true});
  total_.assign(channels_.size(), Joules(0));
}

Status ModelSource::Read(const ReadContext& context, std::span<Joules> out) {
  if (started_) {
    const Seconds dt = context.now - last_;
    const double util = std::clamp(context.machine_cpu_utilization, 0.0, 1.0);
    const Watts cpu(params_.vcpus *
                    (params_.min_watts + util * (params_.max_watts - params_.min_watts)));
    const Watts memory(std::max(context.machine_memory_used_gb, 0.0) * params_.memory_watts_per_gb);
    total_[0] += cpu * dt;
    total_[1] += memory * dt;
  }
  started_ = true;
  last_ = context.now;
  std::copy(total_.begin(), total_.end(), out.begin());
  return Status::Ok();
}

}  // namespace kfm::meter
