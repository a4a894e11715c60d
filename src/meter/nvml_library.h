// The NVML function table, loaded with dlopen at run time so that kfm-energy builds and runs
// on machines without the NVIDIA driver; tests point it at a fake library (KFM_NVML_LIBRARY).
// The table is immutable after Load and NVML itself is thread-safe, so an NvmlLibrary may be
// used from any thread; it owns the dlopen handle, not NVML's init state (see NvmlSource).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "kfm/status.h"

namespace kfm::meter {

// The few parts of nvml.h this project uses, declared here so no CUDA toolkit is needed to
// build. Names follow nvml.h (the C ABI being mirrored), so they can be looked up there.
namespace nvml {

// nvmlReturn_t is a C enum; its values up to 999 make it an unsigned int in the ABI.
enum nvmlReturn_t : unsigned int {  // NOLINT(performance-enum-size): must match the C ABI
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_FUNCTION_NOT_FOUND = 13,
  NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_UNKNOWN = 999,
};

struct nvmlDevice_st;
using nvmlDevice_t = nvmlDevice_st*;

// nvmlProcessInfo_v2_t; the _v3 query uses the same layout.
struct nvmlProcessInfo_t {
  unsigned int pid;
  unsigned long long usedGpuMemory;  // bytes
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

struct nvmlProcessUtilizationSample_t {
  unsigned int pid;
  unsigned long long timeStamp;  // CPU time in microseconds
  unsigned int smUtil;           // percent of the sample period
  unsigned int memUtil;
  unsigned int encUtil;
  unsigned int decUtil;
};

// Pointers to the library's functions, named as the NVML symbols they were loaded from.
// Required ones are never null after NvmlLibrary::Load; optional ones are null when the
// library lacks them, and the feature they serve is then unsupported.
struct Functions {
  // Required.
  nvmlReturn_t (*nvmlInit_v2)() = nullptr;
  nvmlReturn_t (*nvmlShutdown)() = nullptr;
  nvmlReturn_t (*nvmlDeviceGetCount_v2)(unsigned int* count) = nullptr;
  nvmlReturn_t (*nvmlDeviceGetHandleByIndex_v2)(unsigned int index, nvmlDevice_t* device) = nullptr;
  // Optional.
  const char* (*nvmlErrorString)(nvmlReturn_t result) = nullptr;
  nvmlReturn_t (*nvmlDeviceGetName)(nvmlDevice_t device, char* name, unsigned int length) = nullptr;
  nvmlReturn_t (*nvmlDeviceGetUUID)(nvmlDevice_t device, char* uuid, unsigned int length) = nullptr;
  // Millijoules since the driver was loaded (Volta and newer).
  nvmlReturn_t (*nvmlDeviceGetTotalEnergyConsumption)(nvmlDevice_t device,
                                                      unsigned long long* energy_mj) = nullptr;
  nvmlReturn_t (*nvmlDeviceGetPowerUsage)(nvmlDevice_t device, unsigned int* power_mw) = nullptr;
  // nvmlDeviceGetComputeRunningProcesses_v3, or _v2 on older drivers (same layout).
  nvmlReturn_t (*nvmlDeviceGetComputeRunningProcesses)(nvmlDevice_t device, unsigned int* count,
                                                       nvmlProcessInfo_t* infos) = nullptr;
  nvmlReturn_t (*nvmlDeviceGetProcessUtilization)(nvmlDevice_t device,
                                                  nvmlProcessUtilizationSample_t* samples,
                                                  unsigned int* count,
                                                  unsigned long long last_seen_us) = nullptr;
};

}  // namespace nvml

class NvmlLibrary {
 public:
  // KFM_NVML_LIBRARY when set and not empty, else "libnvidia-ml.so.1".
  static std::string DefaultPath();

  // dlopens `path` and resolves the table. NotFound (naming the path) when the library
  // cannot be loaded or lacks a required symbol. Does not call nvmlInit.
  static Result<std::unique_ptr<NvmlLibrary>> Load(std::string path);

  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;
  ~NvmlLibrary();  // dlclose

  [[nodiscard]] const nvml::Functions& fn() const { return fn_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // The name of the compute-processes symbol resolved ("..._v3", "..._v2"), empty if none.
  [[nodiscard]] const std::string& running_processes_symbol() const {
    return running_processes_symbol_;
  }

  // NVML's text for a return code with the code itself, e.g. "GPU is lost (NVML error 15)".
  [[nodiscard]] std::string ErrorString(nvml::nvmlReturn_t result) const;

 private:
  NvmlLibrary(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  void* handle_ = nullptr;
  std::string path_;
  std::string running_processes_symbol_;
  nvml::Functions fn_;
};

}  // namespace kfm::meter
