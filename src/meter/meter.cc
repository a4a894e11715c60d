#include "kfm/meter.h"

#include <unistd.h>

#include "meter/cpu_accounting.h"
#include "meter/sampler.h"
#include "meter/source_selection.h"

namespace kfm {

struct Meter::Impl {
  std::string cpu_method, dram_method, gpu_method;
  std::unique_ptr<meter::Sampler> sampler;
};

Result<std::unique_ptr<Meter>> Meter::FromEnv() {
  auto config = meter::MeterConfig::FromEnv();
  if (!config.ok()) return config.status();
  auto impl = std::make_unique<Impl>();
  meter::SelectedSources sources = meter::SelectSources(*config);
  impl->cpu_method = sources.cpu_method;
  impl->dram_method = sources.dram_method;
  impl->gpu_method = sources.gpu_method;
  // This process cannot move itself into a fresh cgroup without taking its other threads
  // along, so an in-process section is counted from /proc.
  impl->sampler = std::make_unique<meter::Sampler>(
      std::move(sources), meter::MakeCpuAccounting(meter::AccountingMode::kProcfs, nullptr),
      config->sample_interval);
  impl->sampler->Start();
  return std::unique_ptr<Meter>(new Meter(std::move(impl)));
}

Meter::Meter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Meter::~Meter() {
  if (impl_) impl_->sampler->Stop();
}

Result<Meter::Section> Meter::Begin(const std::string& name) {
  auto node = impl_->sampler->AddNode(name);
  if (!node.ok()) return node.status();
  impl_->sampler->NodeStarting(*node);
  impl_->sampler->SetNodePid(*node, ::getpid());
  return Section(this, *node);
}

Meter::Section::Section(Meter* meter, int node) : meter_(meter), node_(node) {}
Meter::Section::Section(Section&& other) noexcept : meter_(other.meter_), node_(other.node_) {
  other.meter_ = nullptr;
}
Meter::Section& Meter::Section::operator=(Section&& other) noexcept {
  if (this != &other) {
    if (meter_ != nullptr) End();
    meter_ = other.meter_;
    node_ = other.node_;
    other.meter_ = nullptr;
  }
  return *this;
}
Meter::Section::~Section() {
  if (meter_ != nullptr) End();
}

EnergyReport Meter::Section::End() {
  EnergyReport report;
  if (meter_ == nullptr) return report;
  const Impl& impl = *meter_->impl_;
  const meter::NodeMeasurement m = impl.sampler->EndNode(node_);
  meter_ = nullptr;
  report.cpu = Joules(m.energy.cpu_j);
  report.cpu_package = Joules(m.energy.package_j);
  report.dram = Joules(m.energy.dram_j);
  report.gpu = Joules(m.energy.gpu_j);
  report.total = report.cpu + report.dram + report.gpu;
  report.duration = m.duration;
  report.cpu_util_pct = m.cpu_util_pct;
  report.cpu_method = impl.cpu_method;
  report.dram_method = impl.dram_method;
  report.gpu_method = impl.gpu_method;
  report.modelled = impl.cpu_method.rfind("model-", 0) == 0 ||
                    impl.dram_method.rfind("model-", 0) == 0 || m.energy.substituted_intervals > 0;
  return report;
}

}  // namespace kfm
