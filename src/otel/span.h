// The span and resource data kfm-energy exports: a plain value model of OpenTelemetry's
// SpanData, independent of any wire format. Attribute values are never null by
// construction. Thread-compatible values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "otel/trace_context.h"

namespace kfm::otel {

using AttributeValue = std::variant<std::string, int64_t, double, bool>;
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

enum class StatusCode { kUnset = 0, kOk = 1, kError = 2 };

struct SpanEvent {
  std::string name;
  int64_t time_unix_ns = 0;
  Attributes attributes;
};

struct SpanData {
  std::string name;
  SpanContext context;
  std::optional<SpanId> parent_span_id;
  std::string trace_state;  // W3C tracestate, passed through from TRACESTATE
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
};

struct Resource {
  Attributes attributes;
};

// Resource attributes of this process: service.name (OTEL_SERVICE_NAME wins over
// `service_name`), kfm.run_id, kfm.component, host.* and process.* semantic conventions,
// and OTEL_RESOURCE_ATTRIBUTES (percent-decoded key=value pairs).
Resource MakeResource(const std::string& service_name, const std::string& run_id,
                      const std::string& component);

// Sets or replaces an attribute.
void SetAttribute(Attributes& attributes, const std::string& key, AttributeValue value);

}  // namespace kfm::otel
