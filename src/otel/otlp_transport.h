// Sends one encoded OTLP export request to a collector and classifies the answer the way the
// OTLP specification does: accepted (maybe partially), retryable (HTTP 429/502/503/504, gRPC
// UNAVAILABLE and the other retryable codes; with the server's Retry-After or RetryInfo
// delay), or refused. Implementations: HTTP (libcurl) and gRPC (grpc++). One transport is
// used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "otel/exporter_config.h"

namespace kfm::otel {

struct SendResult {
  enum class Outcome { kAccepted, kRetryable, kRefused };
  Outcome outcome = Outcome::kRefused;
  std::optional<std::chrono::milliseconds> retry_after;  // from the server
  std::string message;   // for people: status, server message; never a header value
  int64_t rejected = 0;  // partial success: items the server rejected (not retried)
  std::string partial_message;
};

class OtlpTransport {
 public:
  virtual ~OtlpTransport() = default;
  // `body` is the serialized protobuf Export*ServiceRequest; HTTP/JSON transports render it
  // as OTLP/JSON themselves. Blocks at most the configured timeout.
  virtual SendResult Send(Signal signal, const std::string& body) = 0;
};

// The transport for `config.protocol`. InvalidArgument for an endpoint it cannot use.
Result<std::unique_ptr<OtlpTransport>> MakeTransport(const SignalConfig& config);

}  // namespace kfm::otel
