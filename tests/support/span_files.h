// Test helper: reading the span bundle files kfm-energy writes (OTLP JSON lines, one
// ExportTraceServiceRequest each). Tests only; thread-compatible.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::testing {

// Every non-empty line of `path`, parsed.
std::vector<nlohmann::json> ReadJsonLines(const std::string& path);

// The attributes of the first span of an OTLP JSON request, key -> AnyValue.
std::map<std::string, nlohmann::json> SpanAttributes(const nlohmann::json& request);

}  // namespace kfm::testing
