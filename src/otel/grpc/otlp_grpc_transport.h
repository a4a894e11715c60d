// OTLP over gRPC with grpc++: the generated TraceService and MetricsService stubs on one
// channel, which grpc++ keeps connected between exports. The transport owns its channel; like
// every OtlpTransport it is used by one thread at a time (thread-compatible). The free
// functions are stateless and thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "otel/otlp_grpc_status.h"
#include "otel/otlp_transport.h"

namespace kfm::otel {

class OtlpGrpcTransport final : public OtlpTransport {
 public:
  // InvalidArgument for an endpoint without a host, or a certificate or key file that cannot
  // be read.
  static Result<std::unique_ptr<OtlpGrpcTransport>> Create(const SignalConfig& config);

  ~OtlpGrpcTransport() override;
  OtlpGrpcTransport(const OtlpGrpcTransport&) = delete;
  OtlpGrpcTransport& operator=(const OtlpGrpcTransport&) = delete;

  SendResult Send(Signal signal, const std::string& body) override;

 private:
  struct Stubs;  // the channel's TraceService and MetricsService stubs

  OtlpGrpcTransport(SignalConfig config, std::unique_ptr<Stubs> stubs);

  SignalConfig config_;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace kfm::otel
