#include "otel/otlp_proto.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace kfm::otel {
namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;

void SetAnyValue(common::AnyValue* out, const AttributeValue& value) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) out->set_string_value(v);
        if constexpr (std::is_same_v<T, int64_t>) out->set_int_value(v);
        if constexpr (std::is_same_v<T, double>) out->set_double_value(v);
        if constexpr (std::is_same_v<T, bool>) out->set_bool_value(v);
      },
      value);
}

template <class Repeated>
void AddAttributes(Repeated* out, const Attributes& attributes) {
  out->Reserve(static_cast<int>(attributes.size()));
  for (const auto& [key, value] : attributes) {
    auto* kv = out->Add();
    kv->set_key(key);
    SetAnyValue(kv->mutable_value(), value);
  }
}

std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Protobuf's JSON mapping writes bytes as base64; OTLP/JSON wants ids in hex.
std::string Base64ToHex(const std::string& base64) {
  std::string raw(base64.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                reinterpret_cast<const unsigned char*>(base64.data()),
                                static_cast<int>(base64.size()));
  if (n < 0) return base64;
  size_t size = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (size_t i = base64.size(); i > 0 && base64[i - 1] == '='; --i) --size;
  return ToHex(reinterpret_cast<const uint8_t*>(raw.data()), size);
}

void HexIds(nlohmann::json& node) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (value.is_string() && (key == "traceId" || key == "spanId" || key == "parentSpanId")) {
        value = Base64ToHex(value.get<std::string>());
      } else {
        HexIds(value);
      }
    }
  } else if (node.is_array()) {
    for (auto& item : node) HexIds(item);
  }
}

// A double as protobuf's JSON printer writes it (SimpleDtoa: %.15g, or %.17g when that does
// not read back; NaN and the infinities as strings), read back as nlohmann would read that
// text, so that both routes to OTLP/JSON give the same bytes.
nlohmann::json DoubleAsProtobufJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char text[40];
  std::snprintf(text, sizeof(text), "%.*g", DBL_DIG, value);
  if (std::strtod(text, nullptr) != value)
    std::snprintf(text, sizeof(text), "%.*g", DBL_DIG + 2, value);
  return nlohmann::json::parse(text);
}

nlohmann::json AnyValueJson(const AttributeValue& value) {
  // A oneof member is printed even when it holds its type's default.
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return {{"stringValue", v}};
        if constexpr (std::is_same_v<T, int64_t>) return {{"intValue", std::to_string(v)}};
        if constexpr (std::is_same_v<T, double>) return {{"doubleValue", DoubleAsProtobufJson(v)}};
        if constexpr (std::is_same_v<T, bool>) return {{"boolValue", v}};
      },
      value);
}

// Proto3's JSON mapping leaves out fields that hold their default (empty, zero); a set
// message field is printed even when empty ({}).
void SetAttributesJson(nlohmann::json& out, const Attributes& attributes) {
  if (attributes.empty()) return;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, value] : attributes) {
    nlohmann::json kv = {{"value", AnyValueJson(value)}};
    if (!key.empty()) kv["key"] = key;
    list.push_back(std::move(kv));
  }
  out["attributes"] = std::move(list);
}

void SetNanosJson(nlohmann::json& out, const char* key, int64_t unix_ns) {
  if (unix_ns != 0) out[key] = std::to_string(static_cast<uint64_t>(unix_ns));
}

void SetStringJson(nlohmann::json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

std::string TraceRequestToOtlpJson(const Resource& resource, const std::vector<SpanData>& spans,
                                   const std::string& scope_version) {
  nlohmann::json resource_json = nlohmann::json::object();
  SetAttributesJson(resource_json, resource.attributes);
  nlohmann::json scope = nlohmann::json::object();
  SetStringJson(scope, "name", kScopeName);
  SetStringJson(scope, "version", scope_version);
  nlohmann::json scope_spans = {{"scope", std::move(scope)}};
  if (!spans.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& span : spans) {
      nlohmann::json s = {{"traceId", ToHex(span.context.trace_id)},
                          {"spanId", ToHex(span.context.span_id)},
                          {"kind", static_cast<int>(trace::Span::SPAN_KIND_INTERNAL)}};
      if (span.parent_span_id) s["parentSpanId"] = ToHex(*span.parent_span_id);
      SetStringJson(s, "traceState", span.trace_state);
      if (span.context.flags != 0) s["flags"] = span.context.flags;
      SetStringJson(s, "name", span.name);
      SetNanosJson(s, "startTimeUnixNano", span.start_unix_ns);
      SetNanosJson(s, "endTimeUnixNano", span.end_unix_ns);
      SetAttributesJson(s, span.attributes);
      if (!span.events.empty()) {
        nlohmann::json events = nlohmann::json::array();
        for (const auto& event : span.events) {
          nlohmann::json e = nlohmann::json::object();
          SetNanosJson(e, "timeUnixNano", event.time_unix_ns);
          SetStringJson(e, "name", event.name);
          SetAttributesJson(e, event.attributes);
          events.push_back(std::move(e));
        }
        s["events"] = std::move(events);
      }
      if (span.status != StatusCode::kUnset) {
        nlohmann::json status = {{"code", static_cast<int>(span.status)}};
        SetStringJson(status, "message", span.status_message);
        s["status"] = std::move(status);
      }
      list.push_back(std::move(s));
    }
    scope_spans["spans"] = std::move(list);
  }
  const nlohmann::json request = {
      {"resourceSpans",
       nlohmann::json::array({{{"resource", std::move(resource_json)},
                               {"scopeSpans", nlohmann::json::array({std::move(scope_spans)})}}})}};
  return request.dump();
}

otlp::ExportTraceRequest BuildTraceRequest(const Resource& resource,
                                           const std::vector<SpanData>& spans,
                                           const std::string& scope_version) {
  otlp::ExportTraceRequest request;
  auto* rs = request.add_resource_spans();
  AddAttributes(rs->mutable_resource()->mutable_attributes(), resource.attributes);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(kScopeName);
  ss->mutable_scope()->set_version(scope_version);
  for (const auto& span : spans) {
    auto* s = ss->add_spans();
    s->set_trace_id(Bytes(span.context.trace_id.data(), span.context.trace_id.size()));
    s->set_span_id(Bytes(span.context.span_id.data(), span.context.span_id.size()));
    if (span.parent_span_id) {
      s->set_parent_span_id(Bytes(span.parent_span_id->data(), span.parent_span_id->size()));
    }
    if (!span.trace_state.empty()) s->set_trace_state(span.trace_state);
    s->set_flags(span.context.flags);
    s->set_name(span.name);
    s->set_kind(trace::Span::SPAN_KIND_INTERNAL);
    s->set_start_time_unix_nano(static_cast<uint64_t>(span.start_unix_ns));
    s->set_end_time_unix_nano(static_cast<uint64_t>(span.end_unix_ns));
    AddAttributes(s->mutable_attributes(), span.attributes);
    for (const auto& event : span.events) {
      auto* e = s->add_events();
      e->set_time_unix_nano(static_cast<uint64_t>(event.time_unix_ns));
      e->set_name(event.name);
      AddAttributes(e->mutable_attributes(), event.attributes);
    }
    if (span.status != StatusCode::kUnset) {
      s->mutable_status()->set_code(static_cast<trace::Status::StatusCode>(span.status));
      s->mutable_status()->set_message(span.status_message);
    }
  }
  return request;
}

otlp::ExportMetricsRequest BuildMetricsRequest(const Resource& resource,
                                               const std::vector<MetricData>& metric_data,
                                               const std::string& scope_version) {
  otlp::ExportMetricsRequest request;
  auto* rm = request.add_resource_metrics();
  AddAttributes(rm->mutable_resource()->mutable_attributes(), resource.attributes);
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name(kScopeName);
  sm->mutable_scope()->set_version(scope_version);
  for (const auto& metric : metric_data) {
    auto* m = sm->add_metrics();
    m->set_name(metric.name);
    m->set_description(metric.description);
    m->set_unit(metric.unit);
    google::protobuf::RepeatedPtrField<metrics::NumberDataPoint>* points = nullptr;
    if (metric.kind == MetricData::Kind::kSum) {
      auto* sum = m->mutable_sum();
      sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
      sum->set_is_monotonic(metric.monotonic);
      points = sum->mutable_data_points();
    } else {
      points = m->mutable_gauge()->mutable_data_points();
    }
    for (const auto& point : metric.points) {
      auto* p = points->Add();
      AddAttributes(p->mutable_attributes(), point.attributes);
      p->set_start_time_unix_nano(static_cast<uint64_t>(point.start_unix_ns));
      p->set_time_unix_nano(static_cast<uint64_t>(point.time_unix_ns));
      p->set_as_double(point.value);
    }
  }
  return request;
}

std::string ToOtlpJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  options.preserve_proto_field_names = false;  // lowerCamelCase
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  nlohmann::json json = nlohmann::json::parse(text);
  HexIds(json);
  return json.dump();
}

}  // namespace kfm::otel
