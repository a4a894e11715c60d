#include "otel/otlp_json_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace kfm::otel {
namespace {

using nlohmann::json;

constexpr int kMaxAnyValueDepth = 32;

// ---- OTLP JSON flattening
// ---------------------------------------------------------------------------

class OtlpFlattener {
 public:
  explicit OtlpFlattener(std::string_view where_prefix) : prefix_(where_prefix) {}

  FlattenedRequest Run(const json& request) {
    if (!request.is_object()) {
      Error(prefix_, "expected an OTLP ExportTraceServiceRequest object, got " +
                         std::string(TypeName(request)));
      return std::move(out_);
    }
    auto resource_spans = request.find("resourceSpans");
    if (resource_spans == request.end() || !resource_spans->is_array()) {
      Error(prefix_, "\"resourceSpans\" must be an array");
      return std::move(out_);
    }
    for (std::size_t i = 0; i < resource_spans->size(); ++i) {
      ResourceSpans((*resource_spans)[i], prefix_ + " resourceSpans[" + std::to_string(i) + "]");
    }
    return std::move(out_);
  }

 private:
  void Error(std::string where, std::string message) {
    out_.errors.push_back({std::move(where), std::move(message)});
  }

  void ResourceSpans(const json& rs, const std::string& where) {
    if (!rs.is_object()) return Error(where, "must be an object");
    json resource_attributes = json::object();
    if (auto resource = rs.find("resource"); resource != rs.end()) {
      if (!resource->is_object()) {
        Error(where, "\"resource\" must be an object");
      } else if (auto attributes = resource->find("attributes"); attributes != resource->end()) {
        Attributes(*attributes, prefix_ + " resource", resource_attributes);
      }
    }
    auto scope_spans = rs.find("scopeSpans");
    if (scope_spans == rs.end()) {
      if (rs.contains("instrumentationLibrarySpans")) {
        Error(where,
              R"(uses the pre-1.0 key "instrumentationLibrarySpans"; OTLP JSON uses "scopeSpans")");
      }
      return;
    }
    if (!scope_spans->is_array()) return Error(where, "\"scopeSpans\" must be an array");
    for (std::size_t j = 0; j < scope_spans->size(); ++j) {
      const json& ss = (*scope_spans)[j];
      const std::string ss_where = where + ".scopeSpans[" + std::to_string(j) + "]";
      if (!ss.is_object()) {
        Error(ss_where, "must be an object");
        continue;
      }
      auto spans = ss.find("spans");
      if (spans == ss.end()) continue;
      if (!spans->is_array()) {
        Error(ss_where, "\"spans\" must be an array");
        continue;
      }
      for (std::size_t k = 0; k < spans->size(); ++k) {
        Span((*spans)[k], ss_where + ".spans[" + std::to_string(k) + "]", resource_attributes);
      }
    }
  }

  void Span(const json& span, const std::string& position, const json& resource_attributes) {
    if (!span.is_object()) return Error(position, "span must be an object");
    std::string name;
    std::string label = position;
    if (auto it = span.find("name"); it != span.end() && it->is_string()) {
      name = it->get<std::string>();
      label = prefix_ + " span " + name;
    } else {
      Error(position, "span has no \"name\" string");
    }
    HexId(span, "traceId", 32, label, /*required=*/true);
    HexId(span, "spanId", 16, label, /*required=*/true);
    // An empty parentSpanId marks a root span.
    if (auto it = span.find("parentSpanId");
        it != span.end() && !(it->is_string() && it->get_ref<const std::string&>().empty())) {
      HexId(span, "parentSpanId", 16, label, /*required=*/false);
    }
    const auto start = Nanos(span, "startTimeUnixNano", label);
    const auto end = Nanos(span, "endTimeUnixNano", label);
    if (start && end && *end < *start) Error(label, "endTimeUnixNano is before startTimeUnixNano");
    if (auto it = span.find("kind"); it != span.end()) {
      if (!it->is_number_integer() || *it < 0 || *it > 5) {
        Error(label, "kind must be an integer 0..5 (OTLP JSON writes enums as integers); got " +
                         Show(*it));
      }
    }
    if (auto it = span.find("status"); it != span.end()) {
      if (!it->is_object()) {
        Error(label, "status must be an object");
      } else if (auto code = it->find("code"); code != it->end()) {
        if (!code->is_number_integer() || *code < 0 || *code > 2) {
          Error(label,
                "status.code must be an integer 0..2 (OTLP JSON writes enums as integers); got " +
                    Show(*code));
        }
      }
    }
    json span_attributes = json::object();
    if (auto it = span.find("attributes"); it != span.end())
      Attributes(*it, label, span_attributes);

    if (!name.starts_with(kNodeSpanPrefix)) return;
    json merged = resource_attributes;
    for (const auto& [key, value] : span_attributes.items()) {
      if (auto it = merged.find(key); it != merged.end() && *it != value) {
        Error(
            label + ": /" + EscapePointerToken(key),
            "span attribute " + Show(value) + " differs from the resource attribute " + Show(*it));
      }
      merged[key] = value;
    }
    const std::string node = name.substr(kNodeSpanPrefix.size());
    if (node.empty()) {
      Error(label, "span name has no node after \"etl.node.\"");
    } else if (auto it = merged.find("kfm.node");
               it != merged.end() && it->is_string() && *it != node) {
      Error(label + ": /kfm.node",
            "must equal the node in the span name (\"" + node + "\"); got " + Show(*it));
    }
    out_.node_spans.push_back({std::move(name), std::move(merged)});
  }

  void HexId(const json& span, const char* field, std::size_t digits, const std::string& label,
             bool required) {
    auto it = span.find(field);
    if (it == span.end()) {
      if (required) Error(label, std::string(field) + " is missing");
      return;
    }
    const std::string expected = std::to_string(digits) + " lower-case hex digits";
    if (!it->is_string())
      return Error(label,
                   std::string(field) + " must be a string of " + expected + "; got " + Show(*it));
    const auto& id = it->get_ref<const std::string&>();
    const bool hex = std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (id.size() != digits || !hex)
      return Error(label, std::string(field) + " must be " + expected + "; got " + Show(*it));
    if (id.find_first_not_of('0') == std::string::npos)
      Error(label, std::string(field) + " must not be all zeros");
  }

  std::optional<std::uint64_t> Nanos(const json& span, const char* field,
                                     const std::string& label) {
    auto it = span.find(field);
    if (it == span.end()) {
      Error(label, std::string(field) + " is missing");
      return std::nullopt;
    }
    std::uint64_t value = 0;
    if (it->is_string()) {
      const auto& text = it->get_ref<const std::string&>();
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (IsDigits(text) && ec == std::errc() && ptr == text.data() + text.size()) return value;
    }
    Error(label, std::string(field) +
                     " must be a decimal string of nanoseconds (OTLP JSON writes 64-bit integers "
                     "as strings); got " +
                     Show(*it));
    return std::nullopt;
  }

  // Adds the OTLP KeyValue list `attributes` to `out`; `where` names the owner for messages.
  void Attributes(const json& attributes, const std::string& where, json& out, int depth = 0) {
    if (!attributes.is_array())
      return Error(where, R"(attributes must be an array of {"key", "value"})");
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      const json& kv = attributes[i];
      auto key = kv.is_object() ? kv.find("key") : kv.end();
      if (!kv.is_object() || key == kv.end() || !key->is_string()) {
        Error(where,
              "attributes[" + std::to_string(i) + "] must be an object with a string \"key\"");
        continue;
      }
      const auto& name = key->get_ref<const std::string&>();
      const std::string at = where + ": /" + EscapePointerToken(name);
      if (out.contains(name)) Error(at, "duplicate attribute key");
      auto value = kv.find("value");
      out[name] = value == kv.end() ? json() : AnyValue(*value, at, depth);
    }
  }

  json AnyValue(const json& value, const std::string& where, int depth) {
    if (depth > kMaxAnyValueDepth) {
      Error(where, "AnyValue nested too deeply");
      return {};
    }
    if (value.is_null() || (value.is_object() && value.empty())) return {};  // unset AnyValue
    if (!value.is_object()) {
      Error(where,
            "must be an OTLP AnyValue object such as {\"doubleValue\": 1.5}; got " + Show(value));
      return value;
    }
    if (value.size() > 1)
      Error(where, "AnyValue must hold exactly one value field; got " + Show(value));
    const auto first = value.begin();  // (items() would hand out a dangling proxy here)
    const std::string& field = first.key();
    const json& inner = first.value();
    if (field == "stringValue" || field == "bytesValue") {
      if (!inner.is_string()) Error(where, field + " must be a string; got " + Show(inner));
      return inner;
    }
    if (field == "boolValue") {
      if (!inner.is_boolean()) Error(where, "boolValue must be true or false; got " + Show(inner));
      return inner;
    }
    if (field == "intValue") {
      if (inner.is_string()) {
        const auto& text = inner.get_ref<const std::string&>();
        std::int64_t number = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        const std::string_view digits =
            std::string_view(text).substr(text.starts_with('-') ? 1 : 0);
        if (IsDigits(digits) && ec == std::errc() && ptr == text.data() + text.size())
          return number;
      }
      Error(
          where,
          "intValue must be a decimal string (OTLP JSON writes 64-bit integers as strings); got " +
              Show(inner));
      return inner;
    }
    if (field == "doubleValue") {
      if (!inner.is_number())
        Error(where, "doubleValue must be a finite JSON number; got " + Show(inner));
      return inner;
    }
    if (field == "arrayValue") {
      json array = json::array();
      auto values = inner.is_object() ? inner.find("values") : inner.end();
      if (!inner.is_object() || (values != inner.end() && !values->is_array())) {
        Error(where, "arrayValue must be {\"values\": [AnyValue, ...]}; got " + Show(inner));
        return array;
      }
      if (values == inner.end()) return array;
      for (std::size_t i = 0; i < values->size(); ++i) {
        array.push_back(AnyValue((*values)[i], where + "/" + std::to_string(i), depth + 1));
      }
      return array;
    }
    if (field == "kvlistValue") {
      json object = json::object();
      auto values = inner.is_object() ? inner.find("values") : inner.end();
      if (!inner.is_object() || (values != inner.end() && !values->is_array())) {
        Error(where,
              R"(kvlistValue must be {"values": [{"key", "value"}, ...]}; got )" + Show(inner));
        return object;
      }
      if (values != inner.end()) Attributes(*values, where, object, depth + 1);
      return object;
    }
    Error(where, "unknown AnyValue field \"" + field + "\"");
    return inner;
  }

  std::string prefix_;
  FlattenedRequest out_;
};

}  // namespace

FlattenedRequest FlattenOtlpRequest(const nlohmann::json& request, std::string_view where_prefix) {
  return OtlpFlattener(where_prefix).Run(request);
}

}  // namespace kfm::otel
