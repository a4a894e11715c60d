// The parts of OTLP/gRPC that need no gRPC library: reading an endpoint, and the retry delay a
// server may put in a google.rpc.Status. They live in the main library; the gRPC transport
// itself is a plugin loaded only when OTEL_EXPORTER_OTLP_PROTOCOL=grpc (its libraries cost
// about 9 ms at every process start). Stateless; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kfm/status.h"

namespace kfm::otel {

struct GrpcTarget {
  std::string authority;   // host:port, what grpc++ dials
  bool plaintext = false;  // the endpoint said http://
};

// "http://host:4317", "https://host:4317" or "host:4317" (a path is ignored);
// InvalidArgument when there is no host.
Result<GrpcTarget> ParseGrpcEndpoint(std::string_view endpoint);

// The delay of the google.rpc.RetryInfo in a serialized google.rpc.Status (grpc++'s
// Status::error_details()); nullopt when there is none.
std::optional<std::chrono::milliseconds> RetryDelayFromStatusDetails(std::string_view details);

}  // namespace kfm::otel
