// Encodes spans as an OTLP/JSON ExportTraceServiceRequest, following the OTLP JSON mapping:
// hex trace and span ids, 64-bit integers as decimal strings, enums as integers,
// lowerCamelCase field names. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otel/span.h"

namespace kfm::otel {

inline constexpr const char kScopeName[] = "kfm-energy";

nlohmann::json AttributesToJson(const Attributes& attributes);
nlohmann::json ExportTraceRequestJson(const Resource& resource, const std::vector<SpanData>& spans,
                                      const std::string& scope_version);

}  // namespace kfm::otel
