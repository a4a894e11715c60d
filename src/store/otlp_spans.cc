#include "store/otlp_spans.h"

#include <array>
#include <charconv>
#include <cmath>
#include <deque>

#include "store/json_cursor.h"

namespace kfm::store {
namespace {

// The attributes the history keeps; everything else is skipped.
enum Attr : int {
  kRunId,
  kPipeline,
  kNode,
  kDomain,
  kPipelineKind,
  kHostname,
  kHostName,
  kProduction,
  kCpuJ,
  kDramJ,
  kGpuJ,
  kTotalJ,
  kCpuPkgJ,
  kCpuMethod,
  kDramMethod,
  kGpuMethod,
  kModelled,
  kRecordsOut,
  kBytesOut,
  kGco2e,
  kIntensity,
  kCarbonRegion,
  kCarbonResolution,
  kCarbonTableId,
  kCarbonTableVersion,
  kDurationS,
  kNodesTotal,
  kAttrCount,
};

constexpr std::array<std::string_view, kAttrCount> kAttrNames = {
    "kfm.run_id",
    "kfm.pipeline",
    "kfm.node",
    "kfm.domain",
    "kfm.pipeline_kind",
    "kfm.hostname",
    "host.name",
    "kfm.production",
    "energy.cpu_j",
    "energy.dram_j",
    "energy.gpu_j",
    "energy.total_j",
    "energy.cpu_pkg_j",
    "energy.cpu_method",
    "energy.dram_method",
    "energy.gpu_method",
    "energy.modelled",
    "kfm.records_out",
    "kfm.bytes_out",
    "carbon.gco2e",
    "carbon.intensity_gco2_per_kwh",
    "carbon.region",
    "carbon.factor_resolution",
    "carbon.table_id",
    "carbon.table_version",
    "timing.duration_s",
    "kfm.nodes.total",
};

int LookupAttr(std::string_view key) {
  // Every kept key starts with one of these; most skipped keys are rejected by the first byte.
  if (key.empty()) return -1;
  const char c = key[0];
  if (c != 'k' && c != 'e' && c != 'c' && c != 'h' && c != 't') return -1;
  for (int i = 0; i < kAttrCount; ++i) {
    if (kAttrNames[i] == key) return i;
  }
  return -1;
}

struct Value {
  enum class Kind { kAbsent, kString, kInt, kDouble, kBool, kOther };
  Kind kind = Kind::kAbsent;
  std::string_view s;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  const char* other = "";  // for kOther: which AnyValue it was
};

using Values = std::array<Value, kAttrCount>;

const char* KindName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString:
      return "stringValue";
    case Value::Kind::kInt:
      return "intValue";
    case Value::Kind::kDouble:
      return "doubleValue";
    case Value::Kind::kBool:
      return "boolValue";
    case Value::Kind::kOther:
      return v.other;
    case Value::Kind::kAbsent:
      break;
  }
  return "an empty value";
}

bool IsHex(std::string_view id) {
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Parses one line; errors become `error_` with the position in the request.
class LineParser {
 public:
  LineParser(std::string_view line, ParsedSpans& out) : line_(line), cursor_(line), out_(out) {}

  Status Run(std::string_view where) {
    if (!Request()) {
      std::string message(where);
      message += ": ";
      if (!field_error_.empty()) {
        message += field_error_;
      } else {
        message += "not valid OTLP JSON";
        if (!position_.empty()) message += " (" + position_ + ")";
        message += ": " + cursor_.error();
      }
      return Status::InvalidArgument(std::move(message));
    }
    return Status::Ok();
  }

 private:
  // A view that stays valid for the whole line: views into the line are, the cursor's
  // scratch (escaped strings) is copied.
  std::string_view Stable(std::string_view v) {
    if (v.data() >= line_.data() && v.data() + v.size() <= line_.data() + line_.size()) return v;
    arena_.emplace_back(v);
    return arena_.back();
  }

  bool FieldError(const std::string& message) {
    if (field_error_.empty()) field_error_ = position_ + ": " + message;
    cursor_.Fail(field_error_);
    return false;
  }

  bool Request() {
    if (!cursor_.BeginObject()) return false;
    std::string_view key;
    bool saw_resource_spans = false;
    while (cursor_.NextKey(key)) {
      if (key == "resourceSpans") {
        saw_resource_spans = true;
        if (cursor_.Peek() != JsonCursor::Type::kArray) {
          position_ = "resourceSpans";
          return FieldError("must be an array");
        }
        cursor_.BeginArray();
        std::size_t index = 0;
        while (cursor_.NextElement()) {
          if (!ResourceSpans(index++)) return false;
        }
      } else if (!cursor_.Skip()) {
        return false;
      }
    }
    if (!cursor_.ok()) return false;
    if (!cursor_.AtEnd()) return cursor_.Fail("text after the request object");
    if (!saw_resource_spans) {
      position_ = "request";
      return FieldError("has no \"resourceSpans\" array (not an ExportTraceServiceRequest)");
    }
    return true;
  }

  bool ResourceSpans(std::size_t index) {
    const std::string where = "resourceSpans[" + std::to_string(index) + "]";
    position_ = where;
    Values resource{};
    const std::size_t first_node = out_.nodes.size();
    const std::size_t first_run = out_.runs.size();
    std::vector<Values> node_values;
    std::vector<Values> run_values;
    if (!cursor_.BeginObject()) return false;
    std::string_view key;
    while (cursor_.NextKey(key)) {
      if (key == "resource") {
        position_ = where + ".resource";
        if (!cursor_.BeginObject()) return false;
        std::string_view rkey;
        while (cursor_.NextKey(rkey)) {
          if (rkey == "attributes") {
            if (!Attributes(resource)) return false;
          } else if (!cursor_.Skip()) {
            return false;
          }
        }
      } else if (key == "scopeSpans") {
        if (!cursor_.BeginArray()) return false;
        std::size_t j = 0;
        while (cursor_.NextElement()) {
          const std::string ss_where = where + ".scopeSpans[" + std::to_string(j++) + "]";
          position_ = ss_where;
          if (!cursor_.BeginObject()) return false;
          std::string_view skey;
          while (cursor_.NextKey(skey)) {
            if (skey == "spans") {
              if (!cursor_.BeginArray()) return false;
              std::size_t k = 0;
              while (cursor_.NextElement()) {
                position_ = ss_where + ".spans[" + std::to_string(k++) + "]";
                if (!Span(node_values, run_values)) return false;
              }
            } else if (!cursor_.Skip()) {
              return false;
            }
          }
        }
      } else if (!cursor_.Skip()) {
        return false;
      }
    }
    if (!cursor_.ok()) return false;
    // Resource attributes may come before or after the spans: merge them at the end.
    for (std::size_t n = 0; n < node_values.size(); ++n) {
      Merge(node_values[n], resource);
      if (!FinishNode(out_.nodes[first_node + n], node_values[n], spans_where_[n])) return false;
    }
    for (std::size_t r = 0; r < run_values.size(); ++r) {
      Merge(run_values[r], resource);
      if (!FinishRun(out_.runs[first_run + r], run_values[r], run_where_[r])) return false;
    }
    spans_where_.clear();
    run_where_.clear();
    return true;
  }

  static void Merge(Values& span, const Values& resource) {
    for (int a = 0; a < kAttrCount; ++a) {
      if (span[a].kind == Value::Kind::kAbsent) span[a] = resource[a];
    }
  }

  bool Attributes(Values& values) {
    if (cursor_.Peek() != JsonCursor::Type::kArray)
      return FieldError(R"(attributes must be an array of {"key", "value"})");
    cursor_.BeginArray();
    while (cursor_.NextElement()) {
      if (cursor_.Peek() != JsonCursor::Type::kObject)
        return FieldError(R"(attributes must be an array of {"key", "value"})");
      cursor_.BeginObject();
      std::string_view key;
      std::string_view attr_key;
      bool have_key = false;
      Value value;
      std::string_view member;
      while (cursor_.NextKey(member)) {
        if (member == "key") {
          if (!cursor_.String(attr_key)) return false;
          attr_key = Stable(attr_key);
          have_key = true;
        } else if (member == "value") {
          if (!AnyValue(value)) return false;
        } else if (!cursor_.Skip()) {
          return false;
        }
      }
      if (!cursor_.ok()) return false;
      if (!have_key) return FieldError("an attribute has no \"key\"");
      const int index = LookupAttr(attr_key);
      if (index >= 0) values[index] = value;
      (void)key;
    }
    return cursor_.ok();
  }

  bool AnyValue(Value& value) {
    if (cursor_.Peek() == JsonCursor::Type::kNull) return cursor_.Skip();
    if (!cursor_.BeginObject()) return false;
    std::string_view kind;
    while (cursor_.NextKey(kind)) {
      if (kind == "stringValue") {
        value.kind = Value::Kind::kString;
        if (!cursor_.String(value.s)) return false;
        value.s = Stable(value.s);
      } else if (kind == "intValue") {
        value.kind = Value::Kind::kInt;
        if (cursor_.Peek() == JsonCursor::Type::kString) {
          std::string_view text;
          if (!cursor_.String(text)) return false;
          auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value.i);
          if (ec != std::errc() || ptr != text.data() + text.size()) {
            return FieldError("intValue must be a decimal 64-bit integer; got \"" +
                              std::string(text) + "\"");
          }
        } else if (!cursor_.Int64(value.i)) {
          return false;
        }
      } else if (kind == "doubleValue") {
        value.kind = Value::Kind::kDouble;
        if (cursor_.Peek() == JsonCursor::Type::kString) {
          // The protobuf JSON mapping writes NaN and infinities as strings.
          std::string_view text;
          if (!cursor_.String(text)) return false;
          if (text == "NaN") {
            value.d = std::nan("");
          } else if (text == "Infinity") {
            value.d = HUGE_VAL;
          } else if (text == "-Infinity") {
            value.d = -HUGE_VAL;
          } else {
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value.d);
            if (ec != std::errc() || ptr != text.data() + text.size())
              return FieldError("doubleValue must be a number; got \"" + std::string(text) + "\"");
          }
        } else if (!cursor_.Double(value.d)) {
          return false;
        }
      } else if (kind == "boolValue") {
        value.kind = Value::Kind::kBool;
        if (!cursor_.Bool(value.b)) return false;
      } else {
        value.kind = Value::Kind::kOther;
        value.other = kind == "arrayValue"    ? "arrayValue"
                      : kind == "kvlistValue" ? "kvlistValue"
                      : kind == "bytesValue"  ? "bytesValue"
                                              : "an unknown AnyValue";
        if (!cursor_.Skip()) return false;
      }
    }
    return cursor_.ok();
  }

  bool HexId(std::string_view field, std::size_t digits, std::string& out) {
    std::string_view id;
    if (cursor_.Peek() != JsonCursor::Type::kString)
      return FieldError(std::string(field) + " must be a string of " + std::to_string(digits) +
                        " hex digits");
    cursor_.String(id);
    out.assign(id);
    for (char& c : out) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    if (out.size() != digits || !IsHex(out))
      return FieldError(std::string(field) + " must be " + std::to_string(digits) +
                        " hex digits; got \"" + std::string(id) + "\"");
    if (out.find_first_not_of('0') == std::string::npos)
      return FieldError(std::string(field) + " must not be all zeros");
    return true;
  }

  bool Nanos(std::string_view field, std::int64_t& out) {
    if (cursor_.Peek() == JsonCursor::Type::kNumber) return cursor_.Int64(out);
    std::string_view text;
    if (cursor_.Peek() != JsonCursor::Type::kString)
      return FieldError(std::string(field) + " must be a decimal string of nanoseconds");
    cursor_.String(text);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || ptr != text.data() + text.size() || out < 0)
      return FieldError(std::string(field) + " must be a decimal string of nanoseconds; got \"" +
                        std::string(text) + "\"");
    return true;
  }

  bool Span(std::vector<Values>& node_values, std::vector<Values>& run_values) {
    if (!cursor_.BeginObject()) return false;
    std::string name;
    std::string trace_id, span_id;
    std::int64_t start = -1, end = -1;
    bool ok = true;
    Values values{};
    std::string_view key;
    while (cursor_.NextKey(key)) {
      if (key == "name") {
        std::string_view v;
        if (!cursor_.String(v)) return false;
        name.assign(v);
      } else if (key == "traceId") {
        if (!HexId("traceId", 32, trace_id)) return false;
      } else if (key == "spanId") {
        if (!HexId("spanId", 16, span_id)) return false;
      } else if (key == "startTimeUnixNano") {
        if (!Nanos("startTimeUnixNano", start)) return false;
      } else if (key == "endTimeUnixNano") {
        if (!Nanos("endTimeUnixNano", end)) return false;
      } else if (key == "attributes") {
        if (!Attributes(values)) return false;
      } else if (key == "status") {
        if (!cursor_.BeginObject()) return false;
        std::string_view skey;
        while (cursor_.NextKey(skey)) {
          if (skey == "code") {
            std::int64_t code = 0;
            if (cursor_.Peek() != JsonCursor::Type::kNumber || !cursor_.Int64(code) || code < 0 ||
                code > 2)
              return FieldError("status.code must be an integer 0..2");
            ok = code != 2;
          } else if (!cursor_.Skip()) {
            return false;
          }
        }
      } else if (!cursor_.Skip()) {
        return false;
      }
    }
    if (!cursor_.ok()) return false;
    const bool is_node = name.starts_with("etl.node.");
    const bool is_run = name == "etl.run";
    if (!is_node && !is_run) {
      ++out_.other_spans;
      return true;
    }
    position_ += " (" + name + ")";
    if (trace_id.empty()) return FieldError("traceId is missing");
    if (span_id.empty()) return FieldError("spanId is missing");
    if (start < 0) return FieldError("startTimeUnixNano is missing");
    if (end < 0) return FieldError("endTimeUnixNano is missing");
    if (end < start) return FieldError("endTimeUnixNano is before startTimeUnixNano");
    if (is_node) {
      NodeRecord& r = out_.nodes.emplace_back();
      r.trace_id = std::move(trace_id);
      r.span_id = std::move(span_id);
      r.node = name.substr(9);
      r.start_unix_nano = start;
      r.end_unix_nano = end;
      r.ok = ok;
      node_values.push_back(values);
      spans_where_.push_back(position_);
      if (r.node.empty()) return FieldError("span name has no node after \"etl.node.\"");
    } else {
      RunSpanRecord& r = out_.runs.emplace_back();
      r.trace_id = std::move(trace_id);
      r.span_id = std::move(span_id);
      r.start_unix_nano = start;
      r.end_unix_nano = end;
      r.ok = ok;
      run_values.push_back(values);
      run_where_.push_back(position_);
    }
    return true;
  }

  // Typed reads of a merged attribute; a wrong type is an error naming the attribute.
  bool Str(const Values& v, Attr a, std::string& out, bool required = false) {
    const Value& x = v[a];
    if (x.kind == Value::Kind::kAbsent) {
      if (required) return FieldError("attribute " + std::string(kAttrNames[a]) + " is missing");
      return true;
    }
    if (x.kind != Value::Kind::kString)
      return FieldError("attribute " + std::string(kAttrNames[a]) + " must be a stringValue; got " +
                        KindName(x));
    out.assign(x.s);
    return true;
  }
  bool Num(const Values& v, Attr a, double& out, bool required = false) {
    const Value& x = v[a];
    if (x.kind == Value::Kind::kAbsent) {
      if (required) return FieldError("attribute " + std::string(kAttrNames[a]) + " is missing");
      return true;
    }
    if (x.kind == Value::Kind::kDouble) {
      out = x.d;
    } else if (x.kind == Value::Kind::kInt) {
      out = static_cast<double>(x.i);
    } else {
      return FieldError("attribute " + std::string(kAttrNames[a]) +
                        " must be a doubleValue or intValue; got " + KindName(x));
    }
    if (!std::isfinite(out))
      return FieldError("attribute " + std::string(kAttrNames[a]) + " must be finite");
    return true;
  }
  bool Int(const Values& v, Attr a, std::optional<std::int64_t>& out) {
    const Value& x = v[a];
    if (x.kind == Value::Kind::kAbsent) return true;
    if (x.kind == Value::Kind::kInt) {
      out = x.i;
    } else if (x.kind == Value::Kind::kDouble && std::floor(x.d) == x.d && std::isfinite(x.d)) {
      out = static_cast<std::int64_t>(x.d);
    } else {
      return FieldError("attribute " + std::string(kAttrNames[a]) + " must be an intValue; got " +
                        KindName(x));
    }
    if (*out < 0) return FieldError("attribute " + std::string(kAttrNames[a]) + " is negative");
    return true;
  }
  bool Flag(const Values& v, Attr a, bool& out) {
    const Value& x = v[a];
    if (x.kind == Value::Kind::kAbsent) return true;
    if (x.kind != Value::Kind::kBool)
      return FieldError("attribute " + std::string(kAttrNames[a]) + " must be a boolValue; got " +
                        KindName(x));
    out = x.b;
    return true;
  }

  bool FinishNode(NodeRecord& r, const Values& v, const std::string& where) {
    position_ = where;
    std::string node_attr;
    if (!Str(v, kRunId, r.run_id, true) || !Str(v, kNode, node_attr)) return false;
    if (r.run_id.empty()) return FieldError("attribute kfm.run_id is empty");
    if (!node_attr.empty() && node_attr != r.node)
      return FieldError("attribute kfm.node must equal the node in the span name (\"" + r.node +
                        "\"); got \"" + node_attr + "\"");
    if (!Str(v, kPipeline, r.pipeline) || !Str(v, kDomain, r.domain) ||
        !Str(v, kPipelineKind, r.pipeline_kind) || !Str(v, kHostname, r.hostname) ||
        !Flag(v, kProduction, r.production))
      return false;
    if (r.pipeline.empty()) r.pipeline = r.node;
    if (r.hostname.empty() && !Str(v, kHostName, r.hostname)) return false;
    r.cpu_method = "none";
    r.dram_method = "none";
    r.gpu_method = "none";
    if (!Num(v, kTotalJ, r.total_j, true) || !Num(v, kCpuJ, r.cpu_j) || !Num(v, kDramJ, r.dram_j) ||
        !Num(v, kGpuJ, r.gpu_j) || !Num(v, kCpuPkgJ, r.cpu_pkg_j) ||
        !Str(v, kCpuMethod, r.cpu_method) || !Str(v, kDramMethod, r.dram_method) ||
        !Str(v, kGpuMethod, r.gpu_method))
      return false;
    r.modelled = IsModelledMethod(r.cpu_method) || IsModelledMethod(r.dram_method) ||
                 IsModelledMethod(r.gpu_method);
    if (!Flag(v, kModelled, r.modelled)) return false;
    if (!Int(v, kRecordsOut, r.records_out) || !Int(v, kBytesOut, r.bytes_out)) return false;
    if (!Num(v, kGco2e, r.gco2e, true) || !Num(v, kIntensity, r.intensity_gco2_per_kwh) ||
        !Str(v, kCarbonRegion, r.carbon_region) ||
        !Str(v, kCarbonResolution, r.carbon_resolution) ||
        !Str(v, kCarbonTableId, r.carbon_table_id) ||
        !Str(v, kCarbonTableVersion, r.carbon_table_version))
      return false;
    r.duration_s = static_cast<double>(r.end_unix_nano - r.start_unix_nano) / 1e9;
    return Num(v, kDurationS, r.duration_s);
  }

  bool FinishRun(RunSpanRecord& r, const Values& v, const std::string& where) {
    position_ = where;
    if (!Str(v, kRunId, r.run_id, true)) return false;
    if (r.run_id.empty()) return FieldError("attribute kfm.run_id is empty");
    if (!Str(v, kPipeline, r.pipeline) || !Str(v, kPipelineKind, r.pipeline_kind) ||
        !Str(v, kHostname, r.hostname) || !Num(v, kTotalJ, r.total_j) || !Num(v, kGco2e, r.gco2e) ||
        !Flag(v, kModelled, r.modelled) || !Int(v, kNodesTotal, r.nodes_total))
      return false;
    if (r.hostname.empty() && !Str(v, kHostName, r.hostname)) return false;
    return true;
  }

  std::string_view line_;
  JsonCursor cursor_;
  ParsedSpans& out_;
  std::deque<std::string> arena_;
  std::string position_;
  std::string field_error_;
  std::vector<std::string> spans_where_;
  std::vector<std::string> run_where_;
};

}  // namespace

bool IsModelledMethod(std::string_view method) { return method.starts_with("model"); }

Status ParseOtlpLine(std::string_view line, std::string_view where, ParsedSpans& out) {
  LineParser parser(line, out);
  return parser.Run(where);
}

}  // namespace kfm::store
