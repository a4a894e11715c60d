#include "meter/nvml_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <utility>

namespace kfm::meter {

// The layouts nvml.h gives these structs on every 64-bit platform NVIDIA ships.
static_assert(sizeof(nvml::nvmlProcessInfo_t) == 24);
static_assert(sizeof(nvml::nvmlProcessUtilizationSample_t) == 32);

namespace {

constexpr const char* kDefaultLibrary = "libnvidia-ml.so.1";

// Resolves `symbol` into `target`; false (target left null) when the library lacks it.
template <class Fn>
bool Resolve(void* handle, const char* symbol, Fn& target) {
  void* address = dlsym(handle, symbol);
  if (address == nullptr) return false;
  target = reinterpret_cast<Fn>(address);  // NOLINT: dlsym's documented use
  return true;
}

}  // namespace

std::string NvmlLibrary::DefaultPath() {
  const char* path = std::getenv("KFM_NVML_LIBRARY");
  return path != nullptr && *path != '\0' ? path : kDefaultLibrary;
}

Result<std::unique_ptr<NvmlLibrary>> NvmlLibrary::Load(std::string path) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::NotFound("cannot load NVML library '" + path +
                            "': " + (why != nullptr ? why : "dlopen failed") +
                            " (is the NVIDIA driver installed? KFM_NVML_LIBRARY selects another)");
  }
  std::unique_ptr<NvmlLibrary> library(new NvmlLibrary(handle, std::move(path)));
  nvml::Functions& fn = library->fn_;

  struct Required {
    const char* symbol;
    bool found;
  };
  const Required required[] = {
      {"nvmlInit_v2", Resolve(handle, "nvmlInit_v2", fn.nvmlInit_v2)},
      {"nvmlShutdown", Resolve(handle, "nvmlShutdown", fn.nvmlShutdown)},
      {"nvmlDeviceGetCount_v2", Resolve(handle, "nvmlDeviceGetCount_v2", fn.nvmlDeviceGetCount_v2)},
      {"nvmlDeviceGetHandleByIndex_v2",
       Resolve(handle, "nvmlDeviceGetHandleByIndex_v2", fn.nvmlDeviceGetHandleByIndex_v2)},
  };
  for (const auto& r : required) {
    if (!r.found) {
      return Status::NotFound("NVML library '" + library->path_ + "' has no symbol " + r.symbol +
                              " (driver too old, or not NVML)");
    }
  }

  Resolve(handle, "nvmlErrorString", fn.nvmlErrorString);
  Resolve(handle, "nvmlDeviceGetName", fn.nvmlDeviceGetName);
  Resolve(handle, "nvmlDeviceGetUUID", fn.nvmlDeviceGetUUID);
  Resolve(handle, "nvmlDeviceGetTotalEnergyConsumption", fn.nvmlDeviceGetTotalEnergyConsumption);
  Resolve(handle, "nvmlDeviceGetPowerUsage", fn.nvmlDeviceGetPowerUsage);
  Resolve(handle, "nvmlDeviceGetProcessUtilization", fn.nvmlDeviceGetProcessUtilization);
  for (const char* symbol :
       {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"}) {
    if (Resolve(handle, symbol, fn.nvmlDeviceGetComputeRunningProcesses)) {
      library->running_processes_symbol_ = symbol;
      break;
    }
  }
  return library;
}

NvmlLibrary::~NvmlLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

std::string NvmlLibrary::ErrorString(nvml::nvmlReturn_t result) const {
  const char* text = fn_.nvmlErrorString != nullptr ? fn_.nvmlErrorString(result) : nullptr;
  std::string message = text != nullptr && *text != '\0' ? text : "NVML error";
  return message + " (NVML error " + std::to_string(static_cast<unsigned>(result)) + ")";
}

}  // namespace kfm::meter
