// Reads OTLP JSON (ExportTraceServiceRequest, one per line as the Collector's file exporter
// and our span bundles write them) and flattens each `etl.node.*` span into one object of
// attributes, reporting every structural problem with where it is. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "otel/json_text.h"

namespace kfm::otel {

inline constexpr std::string_view kNodeSpanPrefix = "etl.node.";

// The node spans of one OTLP JSON ExportTraceServiceRequest, flattened for otel-energy-span-v1.
struct FlattenedSpan {
  std::string name;           // span name, "etl.node.<node>"
  nlohmann::json attributes;  // object: resource attributes, then span attributes
};
struct FlattenedRequest {
  std::vector<FlattenedSpan> node_spans;
  std::vector<SchemaError> errors;  // structural problems; `where` starts with `where_prefix`
};

// Flattens `request` (one parsed JSON line). AnyValues map to JSON: stringValue -> string,
// boolValue -> bool, intValue (a decimal string) -> integer, doubleValue -> number, arrayValue
// -> array, kvlistValue -> object, bytesValue -> its base64 string, an empty AnyValue -> null.
// Malformed ids, timestamps and encodings are reported in `errors`, prefixed with
// `where_prefix` (e.g. "line 3").
FlattenedRequest FlattenOtlpRequest(const nlohmann::json& request, std::string_view where_prefix);

}  // namespace kfm::otel
