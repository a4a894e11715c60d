#include "otel/otlp_transport.h"

#include <dlfcn.h>

#include <algorithm>
#include <string_view>

#include "otel/otlp_http_transport.h"

namespace kfm::otel {
namespace {

bool IsTokenChar(char c) {  // RFC 9110 tchar
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Checked here so that a bad header fails once, clearly, instead of on every export (libcurl
// would send a broken request; grpc++ fails the call). Messages name the header, never the
// value: values are secrets.
Status CheckHeaders(const SignalConfig& config) {
  for (const auto& [name, value] : config.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::InvalidArgument("OTLP header name '" + name + "' is not a valid HTTP token");
    }
    const bool binary = config.protocol == Protocol::kGrpc && name.ends_with("-bin");
    const bool value_ok = std::all_of(value.begin(), value.end(), [&](char c) {
      const auto u = static_cast<unsigned char>(c);
      if (binary) return true;
      if (config.protocol == Protocol::kGrpc) return u >= 0x20 && u < 0x7f;
      return u != '\r' && u != '\n' && u != '\0';
    });
    if (!value_ok) {
      return Status::InvalidArgument("the value of OTLP header '" + name +
                                     "' has characters that cannot be sent");
    }
  }
  return Status::Ok();
}

using GrpcCreate = OtlpTransport* (*)(const SignalConfig*, Status*);

// The gRPC transport lives in a plugin so that processes that never speak gRPC do not load
// grpc++ and its ~70 libraries at start. It resolves the OTLP message classes from the
// executable, which therefore exports its symbols (ENABLE_EXPORTS).
Result<GrpcCreate> LoadGrpcPlugin() {
  static void* handle = nullptr;
  static std::string error;
  if (handle == nullptr && error.empty()) {
    for (const char* path : {KFM_GRPC_PLUGIN_INSTALLED, KFM_GRPC_PLUGIN_BUILD}) {
      handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) break;
      const char* why = ::dlerror();
      error += std::string(error.empty() ? "" : "; ") + (why != nullptr ? why : path);
    }
    if (handle != nullptr) error.clear();
  }
  if (handle == nullptr) {
    return Status::NotFound("OTLP/gRPC needs the kfm-energy gRPC plugin (" + error +
                            "); use http/protobuf, or install kfm-energy with its plugin");
  }
  auto create = reinterpret_cast<GrpcCreate>(::dlsym(handle, "kfm_otlp_grpc_create"));
  if (create == nullptr) return Status::Internal("the gRPC plugin has no kfm_otlp_grpc_create");
  return create;
}

}  // namespace

Result<std::unique_ptr<OtlpTransport>> MakeTransport(const SignalConfig& config) {
  if (Status headers = CheckHeaders(config); !headers.ok()) return headers;
  if (config.protocol == Protocol::kGrpc) {
    auto create = LoadGrpcPlugin();
    if (!create.ok()) return create.status();
    Status error;
    OtlpTransport* transport = (*create)(&config, &error);
    if (transport == nullptr) return error;
    return std::unique_ptr<OtlpTransport>(transport);
  }
  if (config.endpoint.rfind("http://", 0) != 0 && config.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(
        "OTLP " + std::string(ProtocolName(config.protocol)) +
        " endpoint must be an http:// or https:// URL: " + config.endpoint);
  }
  return std::unique_ptr<OtlpTransport>(std::make_unique<OtlpHttpTransport>(config));
}

}  // namespace kfm::otel
