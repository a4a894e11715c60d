// Test helper: reading the span bundle files kfm-energy writes (OTLP JSON lines, one
// ExportTraceServiceRequest each). Tests only; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::testing {

// Every non-empty line of `path`, parsed.
std::vector<nlohmann::json> ReadJsonLines(const std::string& path);

// The attributes of the first span of an OTLP JSON request, key -> AnyValue.
std::map<std::string, nlohmann::json> SpanAttributes(const nlohmann::json& request);

// One span of a span file, as the tests look at it.
struct FileSpan {
  std::string name, trace_id, span_id, parent;  // parent: "" for a root span
  int64_t start = 0, end = 0;                   // Unix nanoseconds
  int status = 0;                               // 0 unset, 1 ok, 2 error
  std::string message;                          // the status message
  std::map<std::string, nlohmann::json> attrs;  // key -> AnyValue
  nlohmann::json events = nlohmann::json::array();
  [[nodiscard]] double seconds() const { return static_cast<double>(end - start) / 1e9; }
};

// Every span of every request in the span file `path`, in file order; none when the file
// does not exist.
std::vector<FileSpan> ReadSpanFile(const std::string& path);

// The same, by span name (the last of a name wins).
std::map<std::string, FileSpan> ReadSpansByName(const std::string& path);

}  // namespace kfm::testing
