#include "meter/source_selection.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "meter/nvml_source.h"
#include "meter/rapl_source.h"
#include "meter/sysfs.h"

namespace kfm::meter {
namespace {

std::string ReadCpuinfo() {
  std::ifstream in("/proc/cpuinfo");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool HasDomain(const EnergySource& source, Domain domain) {
  for (const auto& c : source.channels()) {
    if (c.domain == domain) return true;
  }
  return false;
}

std::string MethodOf(const EnergySource& source, Domain domain) {
  for (const auto& c : source.channels()) {
    if (c.domain == domain) return c.method;
  }
  return "none";
}

// The model's channels, keeping only the domains no measured source covers.
class PartialModel final : public EnergySource {
 public:
  PartialModel(std::unique_ptr<ModelSource> model, bool keep_cpu, bool keep_memory)
      : model_(std::move(model)) {
    for (size_t i = 0; i < model_->channels().size(); ++i) {
      const auto& c = model_->channels()[i];
      if ((c.domain == Domain::kPackage && keep_cpu) ||
          (c.domain == Domain::kDram && keep_memory)) {
        channels_.push_back(c);
        keep_.push_back(i);
      }
    }
    scratch_.resize(model_->channels().size());
  }
  std::string_view name() const override { return "model"; }
  const std::vector<Channel>& channels() const override { return channels_; }
  Status Read(const ReadContext& context, std::span<Joules> out) override {
    Status status = model_->Read(context, scratch_);
    for (size_t i = 0; i < keep_.size(); ++i) out[i] = scratch_[keep_[i]];
    return status;
  }

 private:
  std::unique_ptr<ModelSource> model_;
  std::vector<Channel> channels_;
  std::vector<size_t> keep_;
  std::vector<Joules> scratch_;
};

}  // namespace

Result<MeterConfig> MeterConfig::FromEnv() {
  MeterConfig config;
  if (const char* root = std::getenv("KFM_SYSFS_ROOT"); root != nullptr && *root != '\0')
    config.sysfs_root = root;
  if (const char* nvml = std::getenv("KFM_NVML_LIBRARY"); nvml != nullptr && *nvml != '\0')
    config.nvml_library = nvml;
  config.sample_interval = kDefaultSampleInterval;
  if (const char* interval = std::getenv("KFM_SAMPLE_INTERVAL_MS");
      interval != nullptr && *interval != '\0') {
    auto value = ParseU64(interval);
    if (!value || *value < 10 || *value > 60000) {
      return Status::InvalidArgument(
          std::string("KFM_SAMPLE_INTERVAL_MS: expected milliseconds between 10 and 60000, got '") +
          interval + "'");
    }
    config.sample_interval = std::chrono::milliseconds(*value);
  }
  config.cpuinfo = ReadCpuinfo();
  config.vcpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  return config;
}

SelectedSources SelectSources(const MeterConfig& config) {
  SelectedSources selected;
  const CpuModelParams model_params = SelectCpuModel(config.cpuinfo, config.vcpus);
  selected.backup_model = std::make_unique<ModelSource>(model_params);

  // 1. RAPL.
  Sysfs sysfs(config.sysfs_root);
  SourceReport rapl_report{"rapl", false, "", {}};
  for (const auto& zone : DiscoverRaplZones(sysfs)) {
    rapl_report.details.push_back(zone.dir + " (" + zone.zone_name + ", socket " +
                                  std::to_string(zone.socket) + ", wraps at " +
                                  std::to_string(zone.max_range_uj) +
                                  " uJ): " + (zone.problem.empty() ? "readable" : zone.problem));
  }
  bool have_cpu = false;
  bool have_dram = false;
  auto rapl = RaplSource::Open(sysfs);
  if (rapl.ok()) {
    have_cpu = HasDomain(**rapl, Domain::kPackage);
    have_dram = HasDomain(**rapl, Domain::kDram);
    rapl_report.used = true;
    rapl_report.reason = std::to_string((*rapl)->channels().size()) + " counters under " +
                         sysfs.Path("class/powercap").string();
    selected.cpu_method = "rapl";
    if (have_dram) selected.dram_method = "rapl";
    selected.sources.push_back(std::move(rapl).value());
  } else {
    rapl_report.reason = rapl.status().message();
    if (rapl.status().code() == Status::Code::kPermissionDenied)
      selected.warnings.push_back(rapl.status().message());
  }
  selected.report.push_back(std::move(rapl_report));

  // 2. NVML.
  SourceReport nvml_report{"nvml", false, "", {}};
  auto nvml = NvmlSource::Open(config.nvml_library);
  if (nvml.ok()) {
    nvml_report.used = true;
    nvml_report.reason =
        std::to_string((*nvml)->channels().size()) + " GPU(s) via " + config.nvml_library;
    nvml_report.details = (*nvml)->Describe();
    selected.gpu_method = MethodOf(**nvml, Domain::kGpu);
    selected.nvml = nvml->get();
    selected.sources.push_back(std::move(nvml).value());
  } else {
    nvml_report.reason = nvml.status().message();
  }
  selected.report.push_back(std::move(nvml_report));

  // 3. The model, for whatever no counter covers.
  SourceReport model_report{"model", false, "", {}};
  model_report.details.push_back(selected.backup_model->channels()[0].detail);
  model_report.details.push_back(selected.backup_model->channels()[1].detail);
  if (!have_cpu || !have_dram) {
    model_report.used = true;
    model_report.reason = std::string("modelled ") + (!have_cpu ? "CPU" : "") +
                          (!have_cpu && !have_dram ? " and " : "") + (!have_dram ? "memory" : "") +
                          " energy (Cloud Carbon Footprint coefficients, " + model_params.family +
                          ")";
    const std::string method = "model-" + model_params.key;
    if (!have_cpu) selected.cpu_method = method;
    if (!have_dram) selected.dram_method = method;
    selected.sources.push_back(std::make_unique<PartialModel>(
        std::make_unique<ModelSource>(model_params), !have_cpu, !have_dram));
  } else {
    model_report.reason =
        "not needed: RAPL measures package and DRAM (kept as stand-in if a counter fails)";
  }
  selected.report.push_back(std::move(model_report));
  return selected;
}

}  // namespace kfm::meter
