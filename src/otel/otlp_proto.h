// Builds OTLP protobuf messages (generated from proto/, the specification's definitions) from
// our span and metric values, and renders any OTLP message as OTLP/JSON: lowerCamelCase keys,
// 64-bit integers as strings, enums as integers, trace and span ids as hex (where protobuf's
// own JSON mapping would use base64). One encoder serves protobuf, JSON and gRPC. Stateless;
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otel/metric.h"
#include "otel/span.h"

namespace kfm::otel {

namespace otlp {
using ExportTraceRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ExportMetricsRequest =
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
}  // namespace otlp

inline constexpr const char kScopeName[] = "kfm-energy";

otlp::ExportTraceRequest BuildTraceRequest(const Resource& resource,
                                           const std::vector<SpanData>& spans,
                                           const std::string& scope_version);
otlp::ExportMetricsRequest BuildMetricsRequest(const Resource& resource,
                                               const std::vector<MetricData>& metrics,
                                               const std::string& scope_version);

// OTLP/JSON of an OTLP message, on one line.
std::string ToOtlpJson(const google::protobuf::Message& message);

// The same bytes as ToOtlpJson(BuildTraceRequest(resource, spans, scope_version)), written
// directly: no protobuf message, no reflection (whose first use builds protobuf's descriptor
// pool, about 1 ms of every `kfm-energy run`).
std::string TraceRequestToOtlpJson(const Resource& resource, const std::vector<SpanData>& spans,
                                   const std::string& scope_version);

}  // namespace kfm::otel
