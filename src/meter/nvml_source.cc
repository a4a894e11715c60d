#include "meter/nvml_source.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace kfm::meter {

using nvml::nvmlReturn_t;

namespace {

constexpr double kJoulesPerMillijoule = 1e-3;
constexpr double kWattsPerMilliwatt = 1e-3;
// Room for samples that arrive between NVML's sizing call and the call that fills the buffer.
constexpr unsigned int kSizingSlack = 8;
constexpr int kSizingAttempts = 4;

// Calls an NVML "write a string into this buffer" query; `fallback` when it fails or is absent.
std::string QueryString(nvmlReturn_t (*query)(nvml::nvmlDevice_t, char*, unsigned int),
                        nvml::nvmlDevice_t device, const char* fallback) {
  if (query == nullptr) return fallback;
  char buffer[256] = {};
  if (query(device, buffer, sizeof(buffer)) != nvml::NVML_SUCCESS || buffer[0] == '\0') {
    return fallback;
  }
  return {buffer, std::find(buffer, buffer + sizeof(buffer), '\0')};
}

// The energy between two readings of the driver's counter. The counter only goes backwards
// when it restarted (driver reload, GPU reset), so what it shows now is what accrued since.
unsigned long long CounterDeltaMj(unsigned long long previous, unsigned long long current) {
  return current >= previous ? current - previous : current;
}

}  // namespace

Result<std::unique_ptr<NvmlSource>> NvmlSource::Open(std::string library_path) {
  auto library = NvmlLibrary::Load(std::move(library_path));
  if (!library.ok()) return library.status();
  std::unique_ptr<NvmlSource> source(new NvmlSource(std::move(library).value()));
  const NvmlLibrary& lib = *source->library_;
  const nvml::Functions& fn = lib.fn();
  const std::string where = "NVML library '" + lib.path() + "'";

  if (nvmlReturn_t rc = fn.nvmlInit_v2(); rc != nvml::NVML_SUCCESS) {
    return Status::NotFound(where + ": nvmlInit_v2 failed: " + lib.ErrorString(rc));
  }
  source->initialized_ = true;  // from here on the destructor calls nvmlShutdown

  unsigned int count = 0;
  if (nvmlReturn_t rc = fn.nvmlDeviceGetCount_v2(&count); rc != nvml::NVML_SUCCESS) {
    return Status::NotFound(where + ": nvmlDeviceGetCount_v2 failed: " + lib.ErrorString(rc));
  }
  if (count == 0) return Status::NotFound(where + " reports no GPU");

  std::string last_problem;
  for (unsigned int i = 0; i < count; ++i) {
    const std::string id = "nvml:" + std::to_string(i);
    Gpu gpu;
    gpu.index = static_cast<int>(i);
    if (nvmlReturn_t rc = fn.nvmlDeviceGetHandleByIndex_v2(i, &gpu.device);
        rc != nvml::NVML_SUCCESS) {
      last_problem = id + ": nvmlDeviceGetHandleByIndex_v2 failed: " + lib.ErrorString(rc);
      source->description_.push_back(last_problem + "; not measured");
      continue;
    }
    const std::string gpu_name = QueryString(fn.nvmlDeviceGetName, gpu.device, "unnamed GPU");
    const std::string uuid = QueryString(fn.nvmlDeviceGetUUID, gpu.device, "no UUID");
    gpu.label = id + " (" + gpu_name + ")";

    // The counter is exact and cheap; power sampled at each read is the fallback for GPUs
    // older than Volta and for drivers that refuse the counter.
    std::string why;
    if (fn.nvmlDeviceGetTotalEnergyConsumption == nullptr) {
      why = "library has no nvmlDeviceGetTotalEnergyConsumption";
    } else if (nvmlReturn_t rc =
                   fn.nvmlDeviceGetTotalEnergyConsumption(gpu.device, &gpu.last_energy_mj);
               rc == nvml::NVML_SUCCESS) {
      gpu.has_energy_counter = true;
      why = "total energy counter (mJ since driver load)";
    } else {
      why = "energy counter: " + lib.ErrorString(rc);
    }
    if (!gpu.has_energy_counter) {
      unsigned int milliwatts = 0;
      if (fn.nvmlDeviceGetPowerUsage == nullptr) {
        why += "; library has no nvmlDeviceGetPowerUsage either: reads will fail";
      } else if (nvmlReturn_t rc = fn.nvmlDeviceGetPowerUsage(gpu.device, &milliwatts);
                 rc == nvml::NVML_SUCCESS) {
        gpu.last_power = Watts(milliwatts * kWattsPerMilliwatt);
        gpu.last_power_time = std::chrono::steady_clock::now();
        gpu.has_power_sample = true;
        why += "; power sampled at each read, integrated with the trapezoid rule";
      } else {
        why += "; power: " + lib.ErrorString(rc) + ": reads will fail";
      }
    }

    // Consume the samples the driver already holds, so the first ReadProcessUse covers only
    // the time since Open.
    std::string utilization;
    if (fn.nvmlDeviceGetProcessUtilization == nullptr) {
      utilization = "library has no nvmlDeviceGetProcessUtilization";
    } else {
      std::vector<nvml::nvmlProcessUtilizationSample_t> samples;
      if (nvmlReturn_t rc = source->FetchUtilization(gpu, samples); rc == nvml::NVML_SUCCESS) {
        gpu.utilization_supported = true;
        for (const auto& sample : samples) {
          gpu.last_seen_us = std::max(gpu.last_seen_us, sample.timeStamp);
        }
        utilization = "per-process SM utilisation";
      } else {
        utilization = "process utilisation: " + lib.ErrorString(rc);
      }
    }
    if (!gpu.utilization_supported) {
      utilization += fn.nvmlDeviceGetComputeRunningProcesses != nullptr
                         ? "; processes by compute context only"
                         : "; processes not visible";
    }

    Channel channel;
    channel.id = id;
    channel.domain = Domain::kGpu;
    channel.index = gpu.index;
    channel.method = gpu.has_energy_counter ? "nvml-energy" : "nvml-power";
    channel.detail = gpu_name + " " + uuid;
    source->description_.push_back(id + " " + gpu_name + " [" + uuid + "]: " + channel.method +
                                   " (" + why + "); " + utilization);
    source->channels_.push_back(std::move(channel));
    source->gpus_.push_back(std::move(gpu));
  }
  if (source->gpus_.empty()) {
    return Status::NotFound(where + ": none of its " + std::to_string(count) +
                            " GPU(s) could be opened: " + last_problem);
  }
  return source;
}

NvmlSource::~NvmlSource() {
  if (initialized_) library_->fn().nvmlShutdown();
}

Status NvmlSource::Read(const ReadContext& context, std::span<Joules> out) {
  std::string failures;
  for (size_t i = 0; i < gpus_.size(); ++i) {
    Gpu& gpu = gpus_[i];
    const Status status = gpu.has_energy_counter ? ReadCounter(gpu) : ReadPower(gpu, context.now);
    if (!status.ok()) failures += (failures.empty() ? "" : "; ") + status.message();
    if (i < out.size()) out[i] = gpu.total;
  }
  if (out.size() < gpus_.size()) {
    return Status::Internal("NvmlSource::Read: " + std::to_string(out.size()) + " slots for " +
                            std::to_string(gpus_.size()) + " channels");
  }
  return failures.empty() ? Status::Ok() : Status::Unavailable(failures);
}

Status NvmlSource::ReadCounter(Gpu& gpu) {
  unsigned long long energy_mj = 0;
  const nvmlReturn_t rc =
      library_->fn().nvmlDeviceGetTotalEnergyConsumption(gpu.device, &energy_mj);
  if (rc != nvml::NVML_SUCCESS) {
    return Status::Unavailable(
        gpu.label + ": nvmlDeviceGetTotalEnergyConsumption: " + library_->ErrorString(rc));
  }
  gpu.total += Joules(static_cast<double>(CounterDeltaMj(gpu.last_energy_mj, energy_mj)) *
                      kJoulesPerMillijoule);
  gpu.last_energy_mj = energy_mj;
  return Status::Ok();
}

Status NvmlSource::ReadPower(Gpu& gpu, std::chrono::steady_clock::time_point now) {
  const auto get_power = library_->fn().nvmlDeviceGetPowerUsage;
  if (get_power == nullptr) {
    return Status::Unavailable(gpu.label + ": NVML library has no nvmlDeviceGetPowerUsage");
  }
  unsigned int milliwatts = 0;
  if (nvmlReturn_t rc = get_power(gpu.device, &milliwatts); rc != nvml::NVML_SUCCESS) {
    return Status::Unavailable(gpu.label +
                               ": nvmlDeviceGetPowerUsage: " + library_->ErrorString(rc));
  }
  const Watts power(milliwatts * kWattsPerMilliwatt);
  // Trapezoid between consecutive samples: over a bursty load this follows the shape of the
  // power curve, where one average of the first and last reading would not. A clock that did
  // not move forward only restarts the chain.
  if (gpu.has_power_sample && now > gpu.last_power_time) {
    gpu.total += (gpu.last_power + power) / 2.0 * Seconds(now - gpu.last_power_time);
  }
  gpu.last_power = power;
  gpu.last_power_time = now;
  gpu.has_power_sample = true;
  return Status::Ok();
}

Status NvmlSource::ReadProcessUse(std::vector<GpuProcessUse>& out) {
  out.clear();
  std::string failures;
  for (Gpu& gpu : gpus_) {
    const Status status = ReadGpuProcesses(gpu, out);
    if (!status.ok()) failures += (failures.empty() ? "" : "; ") + status.message();
  }
  std::sort(out.begin(), out.end(), [](const GpuProcessUse& a, const GpuProcessUse& b) {
    return std::tie(a.gpu_index, a.pid) < std::tie(b.gpu_index, b.pid);
  });
  return failures.empty() ? Status::Ok() : Status::Unavailable(failures);
}

Status NvmlSource::ReadGpuProcesses(Gpu& gpu, std::vector<GpuProcessUse>& out) {
  const nvml::Functions& fn = library_->fn();
  std::string failure;

  struct Mean {
    double sum = 0;
    int count = 0;
  };
  std::map<uint32_t, Mean> utilization;  // pid -> SM % of each new sample
  if (gpu.utilization_supported) {
    std::vector<nvml::nvmlProcessUtilizationSample_t> samples;
    const nvmlReturn_t rc = FetchUtilization(gpu, samples);
    if (rc == nvml::NVML_SUCCESS) {
      unsigned long long newest = gpu.last_seen_us;
      for (const auto& sample : samples) {
        if (sample.timeStamp <= gpu.last_seen_us) continue;  // some drivers repeat old ones
        auto& mean = utilization[sample.pid];
        mean.sum += sample.smUtil;
        ++mean.count;
        newest = std::max(newest, sample.timeStamp);
      }
      gpu.last_seen_us = newest;
    } else if (rc == nvml::NVML_ERROR_NOT_SUPPORTED) {
      gpu.utilization_supported = false;
    } else {
      failure = "nvmlDeviceGetProcessUtilization: " + library_->ErrorString(rc);
    }
  }
  // The driver samples only processes that ran; when it sampled some and not others in this
  // window, those others were idle. With no sample at all nothing is known beyond the context.
  const bool sampled = !utilization.empty();
  // No new sample in this window but earlier ones: the latest known use stands, rather than
  // falling back to an equal split by context for one interval.
  const bool carry_over = gpu.utilization_supported && !sampled && !gpu.last_sm.empty();
  std::set<uint32_t> listed;
  if (sampled) gpu.last_sm.clear();
  for (const auto& [pid, mean] : utilization) {
    out.push_back({gpu.index, pid, mean.sum / mean.count});
    gpu.last_sm[pid] = mean.sum / mean.count;
    listed.insert(pid);
  }

  if (fn.nvmlDeviceGetComputeRunningProcesses != nullptr) {
    std::vector<nvml::nvmlProcessInfo_t> infos;
    const nvmlReturn_t rc = FetchRunningProcesses(gpu, infos);
    if (rc == nvml::NVML_SUCCESS) {
      for (const auto& info : infos) {
        if (!listed.insert(info.pid).second) continue;  // MIG lists a pid once per instance
        double sm = sampled ? 0.0 : -1.0;
        if (carry_over) {
          auto known = gpu.last_sm.find(info.pid);
          sm = known != gpu.last_sm.end() ? known->second : 0.0;
        }
        out.push_back({gpu.index, info.pid, sm});
      }
    } else {
      failure += (failure.empty() ? "" : "; ") + library_->running_processes_symbol() + ": " +
                 library_->ErrorString(rc);
    }
  }
  if (failure.empty()) return Status::Ok();
  return Status::Unavailable(gpu.label + ": " + failure);
}

nvmlReturn_t NvmlSource::FetchUtilization(
    const Gpu& gpu, std::vector<nvml::nvmlProcessUtilizationSample_t>& samples) const {
  const auto fetch = library_->fn().nvmlDeviceGetProcessUtilization;
  samples.clear();
  // First ask how many samples are newer than last_seen_us, then fetch them; more may
  // arrive in between, so retry with the size the driver reports.
  unsigned int count = 0;
  nvmlReturn_t rc = fetch(gpu.device, nullptr, &count, gpu.last_seen_us);
  if (rc == nvml::NVML_ERROR_NOT_FOUND || (rc == nvml::NVML_SUCCESS && count == 0)) {
    return nvml::NVML_SUCCESS;  // nothing new
  }
  if (rc != nvml::NVML_SUCCESS && rc != nvml::NVML_ERROR_INSUFFICIENT_SIZE) return rc;
  for (int attempt = 0; attempt < kSizingAttempts; ++attempt) {
    samples.resize(count + kSizingSlack);
    count = static_cast<unsigned int>(samples.size());
    rc = fetch(gpu.device, samples.data(), &count, gpu.last_seen_us);
    if (rc == nvml::NVML_SUCCESS) {
      samples.resize(std::min<size_t>(count, samples.size()));
      return rc;
    }
    samples.clear();
    if (rc == nvml::NVML_ERROR_NOT_FOUND) return nvml::NVML_SUCCESS;
    if (rc != nvml::NVML_ERROR_INSUFFICIENT_SIZE) return rc;
  }
  return nvml::NVML_ERROR_INSUFFICIENT_SIZE;
}

nvmlReturn_t NvmlSource::FetchRunningProcesses(const Gpu& gpu,
                                               std::vector<nvml::nvmlProcessInfo_t>& infos) const {
  const auto fetch = library_->fn().nvmlDeviceGetComputeRunningProcesses;
  infos.clear();
  unsigned int count = 0;
  nvmlReturn_t rc = fetch(gpu.device, &count, nullptr);
  if (rc == nvml::NVML_SUCCESS) return rc;  // no process holds a context
  if (rc != nvml::NVML_ERROR_INSUFFICIENT_SIZE) return rc;
  for (int attempt = 0; attempt < kSizingAttempts; ++attempt) {
    infos.resize(count + kSizingSlack);
    count = static_cast<unsigned int>(infos.size());
    rc = fetch(gpu.device, &count, infos.data());
    if (rc == nvml::NVML_SUCCESS) {
      infos.resize(std::min<size_t>(count, infos.size()));
      return rc;
    }
    infos.clear();
    if (rc != nvml::NVML_ERROR_INSUFFICIENT_SIZE) return rc;
  }
  return nvml::NVML_ERROR_INSUFFICIENT_SIZE;
}

std::vector<std::string> NvmlSource::Describe() const { return description_; }

}  // namespace kfm::meter
