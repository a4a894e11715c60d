#include "otel/otlp_json.h"

namespace kfm::otel {
namespace {

nlohmann::json AnyValue(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return {{"stringValue", v}};
        if constexpr (std::is_same_v<T, int64_t>) return {{"intValue", std::to_string(v)}};
        if constexpr (std::is_same_v<T, double>) return {{"doubleValue", v}};
        if constexpr (std::is_same_v<T, bool>) return {{"boolValue", v}};
      },
      value);
}

}  // namespace

nlohmann::json AttributesToJson(const Attributes& attributes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, value] : attributes)
    list.push_back({{"key", key}, {"value", AnyValue(value)}});
  return list;
}

nlohmann::json ExportTraceRequestJson(const Resource& resource, const std::vector<SpanData>& spans,
                                      const std::string& scope_version) {
  nlohmann::json json_spans = nlohmann::json::array();
  for (const auto& span : spans) {
    nlohmann::json s = {
        {"traceId", ToHex(span.context.trace_id)},
        {"spanId", ToHex(span.context.span_id)},
        {"name", span.name},
        {"kind", 1},  // SPAN_KIND_INTERNAL
        {"startTimeUnixNano", std::to_string(span.start_unix_ns)},
        {"endTimeUnixNano", std::to_string(span.end_unix_ns)},
        {"attributes", AttributesToJson(span.attributes)},
    };
    if (span.parent_span_id) s["parentSpanId"] = ToHex(*span.parent_span_id);
    if (!span.events.empty()) {
      nlohmann::json events = nlohmann::json::array();
      for (const auto& event : span.events) {
        events.push_back({{"name", event.name},
                          {"timeUnixNano", std::to_string(event.time_unix_ns)},
                          {"attributes", AttributesToJson(event.attributes)}});
      }
      s["events"] = std::move(events);
    }
    nlohmann::json status = {{"code", static_cast<int>(span.status)}};
    if (!span.status_message.empty()) status["message"] = span.status_message;
    s["status"] = std::move(status);
    json_spans.push_back(std::move(s));
  }
  return {{"resourceSpans",
           {{{"resource", {{"attributes", AttributesToJson(resource.attributes)}}},
             {"scopeSpans",
              {{{"scope", {{"name", kScopeName}, {"version", scope_version}}},
                {"spans", json_spans}}}}}}}};
}

}  // namespace kfm::otel
