// OTLP exporter settings from the standard OpenTelemetry environment variables, with the
// specification's precedence: a per-signal variable (OTEL_EXPORTER_OTLP_TRACES_*) wins over
// the generic one (OTEL_EXPORTER_OTLP_*); the generic endpoint gets /v1/<signal> appended for
// HTTP, a per-signal endpoint is used as given. Header values are secrets: they are kept here
// and sent, never printed. Values; thread-compatible.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kfm/status.h"

namespace kfm::otel {

enum class Protocol { kHttpProtobuf, kHttpJson, kGrpc };
enum class Signal { kTraces, kMetrics };

std::string_view ProtocolName(Protocol protocol);  // "http/protobuf", "http/json", "grpc"
std::string_view SignalName(Signal signal);        // "traces", "metrics"

struct SignalConfig {
  // "otlp", "console" or "none" (OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER).
  std::string exporter = "otlp";
  // True when an endpoint variable was set or the exporter was chosen explicitly; without it
  // nothing is sent (the bundle files are the record).
  bool enabled = false;
  std::string endpoint;  // full URL for HTTP; URL or host:port for gRPC
  Protocol protocol = Protocol::kHttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};
  bool gzip = false;
  bool insecure = false;    // gRPC without TLS (http:// endpoints, or OTEL_EXPORTER_OTLP_INSECURE)
  std::string certificate;  // CA bundle (PEM) to trust
  std::string client_key;   // mTLS
  std::string client_certificate;  // mTLS
};

struct BatchConfig {  // OTEL_BSP_*, the specification's defaults
  int max_queue_size = 2048;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
  int max_export_batch_size = 512;
};

struct ExporterConfig {
  bool sdk_disabled = false;  // OTEL_SDK_DISABLED=true: no export at all (files are still written)
  SignalConfig traces;
  SignalConfig metrics;
  BatchConfig batch;
  std::chrono::milliseconds metric_export_interval{60000};

  // The header names (never values) for messages.
  [[nodiscard]] static std::string HeaderNames(const SignalConfig& signal);
};

using Getenv = std::function<const char*(const char*)>;

// InvalidArgument naming the variable for any malformed value.
Result<ExporterConfig> ExporterConfigFromEnv(const Getenv& getenv);
Result<ExporterConfig> ExporterConfigFromEnv();

// "k1=v1,k2=v2" with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS.
Result<std::vector<std::pair<std::string, std::string>>> ParseHeaders(std::string_view text,
                                                                      std::string_view variable);

}  // namespace kfm::otel
