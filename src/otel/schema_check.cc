#include "otel/schema_check.h"

// valijson reports schema defects either by exception or by abort(); every translation unit
// must choose the same (cmake/EmbedSchemas.cmake defines it for kfm_otel). The exceptions are
// caught in this file and never leave it.
#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <variant>

namespace kfm::otel {
namespace {

using nlohmann::json;

constexpr std::string_view kSpanSchema = "otel-energy-span-v1";
constexpr std::string_view kNodeSpanPrefix = "etl.node.";
constexpr std::string_view kFileKinds =
    "expected a JSON document with \"schema\": \"kfm.energy.v2\" or OTLP JSON lines "
    "(ExportTraceServiceRequest objects with \"resourceSpans\")";
constexpr int kMaxAnyValueDepth = 32;

// ---- small helpers ----------------------------------------------------------------------------

// "schemas/telemetry/energy-v2.json" -> "energy-v2".
std::string SchemaStem(std::string_view name) {
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (name.ends_with(".json")) name.remove_suffix(5);
  return std::string(name);
}

std::string EmbeddedSchemaList() {
  std::string list;
  for (const auto& file : EmbeddedSchemas()) {
    if (!list.empty()) list += ", ";
    list += SchemaStem(file.name);
  }
  return list;
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Pointer(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return "/";
  std::string out;
  for (const auto& token : tokens) out += "/" + EscapePointerToken(token);
  return out;
}

// A value as it appears in a message: compact JSON, cut short.
std::string Show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

std::string JoinWhere(std::string_view prefix, std::string_view rest) {
  if (prefix.empty()) return std::string(rest);
  return std::string(prefix) + ": " + std::string(rest);
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- JSON parsing with positions --------------------------------------------------------------

struct SyntaxError {
  std::size_t line = 1;
  std::size_t column = 1;
  std::string what;  // nlohmann's explanation without its own prefix
};

std::variant<json, SyntaxError> ParseJson(std::string_view text) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    SyntaxError error;
    // e.byte is 1-based and may point one past the end for a truncated document.
    const std::size_t end = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++error.line;
        error.column = 1;
      } else {
        ++error.column;
      }
    }
    std::string_view what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    if (auto column = what.find("column "); column != std::string_view::npos) {
      if (auto colon = what.find(": ", column); colon != std::string_view::npos) {
        what.remove_prefix(colon + 2);
      }
    } else if (auto bracket = what.find("] "); bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    error.what = std::string(what);
    return error;
  }
}

// ---- schema-directed wording ------------------------------------------------------------------

const json* ResolveRef(const json& root, const json* node) {
  for (int hops = 0; hops < 16 && node != nullptr && node->is_object(); ++hops) {
    auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string()) return node;
    const auto& target = ref->get_ref<const std::string&>();
    if (!target.starts_with("#")) return nullptr;
    const json* at = &root;
    std::string_view rest = std::string_view(target).substr(1);
    while (!rest.empty() && at != nullptr) {
      rest.remove_prefix(1);  // the '/'
      const std::size_t slash = rest.find('/');
      std::string token(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
      for (std::size_t pos; (pos = token.find("~1")) != std::string::npos;)
        token.replace(pos, 2, "/");
      for (std::size_t pos; (pos = token.find("~0")) != std::string::npos;)
        token.replace(pos, 2, "~");
      if (!at->is_object()) return nullptr;
      auto child = at->find(token);
      at = child == at->end() ? nullptr : &*child;
    }
    node = at;
  }
  return node;
}

// Every subschema that applies to the instance at `tokens` (through $ref, allOf/anyOf/oneOf,
// then/else and schema dependencies), so a message can quote the pattern, enum or bound.
void CollectSubschemas(const json& root, const json* schema, const json* instance,
                       std::span<const std::string> tokens, std::vector<const json*>& out,
                       int depth) {
  schema = ResolveRef(root, schema);
  if (schema == nullptr || !schema->is_object() || depth > 48) return;
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (auto it = schema->find(key); it != schema->end() && it->is_array()) {
      for (const auto& sub : *it) CollectSubschemas(root, &sub, instance, tokens, out, depth + 1);
    }
  }
  for (const char* key : {"then", "else"}) {
    if (auto it = schema->find(key); it != schema->end()) {
      CollectSubschemas(root, &*it, instance, tokens, out, depth + 1);
    }
  }
  if (auto it = schema->find("dependencies");
      it != schema->end() && it->is_object() && instance != nullptr && instance->is_object()) {
    for (const auto& [property, sub] : it->items()) {
      if (sub.is_object() && instance->contains(property)) {
        CollectSubschemas(root, &sub, instance, tokens, out, depth + 1);
      }
    }
  }
  if (tokens.empty()) {
    out.push_back(schema);
    return;
  }
  const std::string& token = tokens.front();
  const json* child = nullptr;
  if (instance != nullptr && instance->is_object()) {
    if (auto it = instance->find(token); it != instance->end()) child = &*it;
  }
  const bool into_array = instance != nullptr ? instance->is_array() : IsDigits(token);
  if (into_array) {
    if (instance != nullptr && IsDigits(token)) {
      std::size_t index = 0;
      std::from_chars(token.data(), token.data() + token.size(), index);
      if (index < instance->size()) child = &(*instance)[index];
    }
    if (auto it = schema->find("items"); it != schema->end() && it->is_object()) {
      CollectSubschemas(root, &*it, child, tokens.subspan(1), out, depth + 1);
    }
    return;
  }
  if (auto props = schema->find("properties"); props != schema->end() && props->is_object()) {
    if (auto it = props->find(token); it != props->end()) {
      CollectSubschemas(root, &*it, child, tokens.subspan(1), out, depth + 1);
      return;
    }
  }
  if (auto it = schema->find("additionalProperties"); it != schema->end() && it->is_object()) {
    CollectSubschemas(root, &*it, child, tokens.subspan(1), out, depth + 1);
  }
}

const json* FindKeyword(const std::vector<const json*>& subschemas, const char* keyword) {
  for (const json* schema : subschemas) {
    if (auto it = schema->find(keyword); it != schema->end()) return &*it;
  }
  return nullptr;
}

const json* Lookup(const json& doc, const std::vector<std::string>& tokens) {
  const json* at = &doc;
  for (const auto& token : tokens) {
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && IsDigits(token)) {
      std::size_t index = 0;
      std::from_chars(token.data(), token.data() + token.size(), index);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

std::string QuotedBetween(std::string_view text) {
  const std::size_t last = text.rfind('\'');
  if (last == std::string_view::npos || last == 0) return {};
  const std::size_t first = text.rfind('\'', last - 1);
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first + 1, last - first - 1));
}

// valijson pushes a summary for every enclosing property/item/branch; the leaf errors say more.
bool IsSummary(std::string_view description) {
  for (std::string_view prefix :
       {"Failed to validate against schema associated with", "Failed to validate item #",
        "Failed to validate against child schema",
        "Failed to validate against a conditional schema",
        "Failed to validate against dependent schema",
        "Failed to validate against additional properties",
        "Failed to validate against any schemas allowed by anyOf",
        "Failed to validate against any child schemas allowed by oneOf"}) {
    if (description.starts_with(prefix)) return true;
  }
  return false;
}

// The comparison in valijson's "Expected number greater than or equal to 0.000000" etc.
std::string_view BoundOperator(std::string_view description) {
  for (const auto& [prefix, op] : {std::pair<std::string_view, std::string_view>{
                                       "Expected number greater than or equal to ", ">="},
                                   {"Expected number greater than ", ">"},
                                   {"Expected number less than or equal to ", "<="},
                                   {"Expected number less than ", "<"}}) {
    if (description.starts_with(prefix)) return op;
  }
  return {};
}

bool StartsWithTokens(const std::vector<std::string>& tokens,
                      const std::vector<std::string>& prefix) {
  return tokens.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), tokens.begin());
}

// ---- compiled schema --------------------------------------------------------------------------

// A parsed schema with its validator (whose regex cache makes repeated checks cheap).
// Not thread-safe; each check of a file builds its own.
class SchemaChecker {
 public:
  static Result<std::unique_ptr<SchemaChecker>> Load(std::string_view schema_name) {
    const std::string stem = SchemaStem(schema_name);
    const std::optional<std::string_view> text = EmbeddedSchema(stem);
    if (!text) {
      return Status::InvalidArgument("unknown schema '" + std::string(schema_name) +
                                     "' (embedded: " + EmbeddedSchemaList() + ")");
    }
    auto checker = std::unique_ptr<SchemaChecker>(new SchemaChecker(stem));
    auto parsed = ParseJson(*text);
    if (const auto* error = std::get_if<SyntaxError>(&parsed)) {
      return Status::Internal("embedded schema " + stem + ".json, line " +
                              std::to_string(error->line) + ", column " +
                              std::to_string(error->column) + ": " + error->what);
    }
    checker->schema_json_ = std::move(std::get<json>(parsed));
    try {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(checker->schema_json_);
      parser.populateSchema(adapter, checker->schema_);
    } catch (const std::exception& e) {
      return Status::Internal("embedded schema " + stem + ".json does not load: " + e.what());
    }
    return checker;
  }

  const std::string& name() const { return name_; }

  // Errors of `doc`, each `where` prefixed with `where_prefix` (may be empty).
  Result<std::vector<SchemaError>> Check(const json& doc, std::string_view where_prefix) {
    valijson::ValidationResults results;
    try {
      valijson::adapters::NlohmannJsonAdapter target(doc);
      if (validator_.validate(schema_, target, &results)) return std::vector<SchemaError>{};
    } catch (const std::exception& e) {
      return Status::Internal("validating against " + name_ + ".json: " + e.what());
    }

    struct Raw {
      std::vector<std::string> tokens;
      std::string description;
      bool summary;
    };
    std::vector<Raw> raw;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      Raw item{{}, error.description, IsSummary(error.description)};
      for (const auto& element : error.context) {
        if (element == "<root>") continue;
        if (element.size() >= 2 && element.front() == '[' && element.back() == ']') {
          item.tokens.push_back(element.substr(1, element.size() - 2));
        } else {
          item.tokens.push_back(element);
        }
      }
      raw.push_back(std::move(item));
    }

    std::vector<SchemaError> out;
    for (const auto& item : raw) {
      if (item.summary && std::any_of(raw.begin(), raw.end(), [&](const Raw& other) {
            return !other.summary && StartsWithTokens(other.tokens, item.tokens);
          })) {
        continue;
      }
      SchemaError described = Describe(doc, item.tokens, item.description);
      described.where = JoinWhere(where_prefix, described.where);
      const bool duplicate = std::any_of(out.begin(), out.end(), [&](const SchemaError& e) {
        return e.where == described.where && e.message == described.message;
      });
      if (!duplicate) out.push_back(std::move(described));
    }
    if (out.empty()) out.push_back({JoinWhere(where_prefix, "/"), "does not conform to " + name_});
    return out;
  }

 private:
  explicit SchemaChecker(std::string name) : name_(std::move(name)) {}

  // Turns valijson's generic sentence into one naming the rule and the offending value.
  SchemaError Describe(const json& doc, std::vector<std::string> tokens,
                       std::string_view description) const {
    std::string message;
    bool show_value = true;
    if (description.starts_with("Missing required property")) {
      tokens.push_back(QuotedBetween(description));
      message = "required property is missing";
      show_value = false;
    } else if (description.starts_with("Object contains a property that could not be validated")) {
      tokens.push_back(QuotedBetween(description));
      message = "property is not allowed here";
    }

    const json* value = Lookup(doc, tokens);
    std::vector<const json*> subschemas;
    CollectSubschemas(schema_json_, &schema_json_, &doc, tokens, subschemas, 0);

    // valijson prints bounds with std::to_string ("1.000000"); trim that to "1".
    auto bound = [](std::string_view op, std::string_view number) {
      std::string text(number);
      if (text.find('.') != std::string::npos) {
        while (text.ends_with('0')) text.pop_back();
        if (text.ends_with('.')) text.pop_back();
      }
      return "must be " + std::string(op) + " " + text;
    };
    if (!message.empty()) {
      // already worded
    } else if (description.starts_with("Value type not permitted")) {
      const json* type = FindKeyword(subschemas, "type");
      message = type != nullptr ? "must be of type " +
                                      (type->is_string() ? type->get<std::string>() : type->dump())
                                : "has a type the schema does not allow";
      if (value != nullptr) message += ", not " + std::string(TypeName(*value));
    } else if (description.starts_with(
                   "Target should not validate against schema specified in 'not'")) {
      if (value != nullptr && value->is_null()) {
        message = "must not be null";
      } else {
        // Say why, with the description the schema gives for this place.
        const json* why = FindKeyword(subschemas, "description");
        message = "is not allowed here";
        if (why != nullptr && why->is_string()) message += " (" + why->get<std::string>() + ")";
      }
    } else if (description.starts_with("Failed to match regex")) {
      const json* pattern = FindKeyword(subschemas, "pattern");
      message = pattern != nullptr ? "must match " + pattern->dump()
                                   : "does not match the required pattern";
    } else if (description.starts_with("Failed to match against any enum")) {
      const json* values = FindKeyword(subschemas, "enum");
      message = "must be one of " +
                (values != nullptr ? values->dump() : std::string("the allowed values"));
    } else if (description.starts_with("Failed to match expected value set by 'const'")) {
      const json* constant = FindKeyword(subschemas, "const");
      message = constant != nullptr ? "must be " + constant->dump() : "is not the required value";
    } else if (auto op = BoundOperator(description); !op.empty()) {
      message = bound(op, description.substr(description.rfind(' ') + 1));
    } else if (description.starts_with("Array should contain no fewer than")) {
      const json* min = FindKeyword(subschemas, "minItems");
      message = "must have at least " + (min != nullptr ? min->dump() : std::string("more")) +
                " item" + (min != nullptr && *min == 1 ? "" : "s");
    } else if (description.starts_with("String should be a valid date-time")) {
      message = "must be an RFC 3339 date-time";
    } else if (description.starts_with("String should be no fewer than")) {
      const json* min = FindKeyword(subschemas, "minLength");
      message = min != nullptr && *min == 1 ? "must not be empty"
                                            : "is too short (" + std::string(description) + ")";
    } else {
      message = std::string(description);
      if (message.ends_with('.')) message.pop_back();
    }
    if (show_value && value != nullptr) message += "; got " + Show(*value);
    return {Pointer(tokens), std::move(message)};
  }

  std::string name_;
  json schema_json_;
  valijson::Schema schema_;
  valijson::Validator validator_;
};

// ---- OTLP JSON --------------------------------------------------------------------------------

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

bool IsOtlpRequest(const json& doc) { return doc.is_object() && doc.contains("resourceSpans"); }

// ---- files ------------------------------------------------------------------------------------

Result<std::string> ReadWholeFile(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status))
    return Status::NotFound(file.string() + ": no such file");
  if (std::filesystem::is_directory(status))
    return Status::InvalidArgument(file.string() + ": is a directory");
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int error = errno;
    std::string message =
        file.string() + ": cannot open: " + (error != 0 ? std::strerror(error) : "unknown error");
    if (error == EACCES || error == EPERM) return Status::PermissionDenied(std::move(message));
    return Status::IoError(std::move(message));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(file.string() + ": read failed");
  return text;
}

struct Line {
  std::size_t number;
  std::string_view text;
};

std::vector<Line> NonBlankLines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back({number, line});
  }
  return lines;
}

std::size_t FirstContentLine(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return 1;
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(first), '\n'));
}

Status AppendErrors(Result<std::vector<SchemaError>> found, FileCheck& check) {
  if (!found.ok()) return found.status();
  for (auto& error : found.value()) check.errors.push_back(std::move(error));
  return Status::Ok();
}

// Checks parsed JSON lines (line number, document): as OTLP requests whose node spans go to
// `checker`, or, when `otlp` is false, each line as one document for `checker`.
Result<FileCheck> CheckLines(const std::vector<std::pair<std::size_t, json>>& parsed,
                             const std::vector<SchemaError>& syntax_errors, SchemaChecker& checker,
                             bool otlp) {
  FileCheck check;
  check.schema = checker.name();
  check.errors = syntax_errors;
  for (const auto& [number, doc] : parsed) {
    const std::string line = "line " + std::to_string(number);
    if (!otlp) {
      ++check.documents;
      if (Status s = AppendErrors(checker.Check(doc, line), check); !s.ok()) return s;
      continue;
    }
    if (!IsOtlpRequest(doc)) {
      check.errors.push_back(
          {line,
           "not an OTLP ExportTraceServiceRequest: expected an object with \"resourceSpans\""});
      continue;
    }
    FlattenedRequest flat = FlattenOtlpRequest(doc, line);
    for (auto& error : flat.errors) check.errors.push_back(std::move(error));
    for (const auto& span : flat.node_spans) {
      ++check.documents;
      if (Status s =
              AppendErrors(checker.Check(span.attributes, line + " span " + span.name), check);
          !s.ok()) {
        return s;
      }
    }
  }
  // Report in file order: structural and schema errors of one line together.
  std::stable_sort(check.errors.begin(), check.errors.end(),
                   [](const SchemaError& a, const SchemaError& b) {
                     auto line_of = [](const std::string& where) -> std::size_t {
                       if (!where.starts_with("line ")) return 0;
                       std::size_t n = 0;
                       std::from_chars(where.data() + 5, where.data() + where.size(), n);
                       return n;
                     };
                     return line_of(a.where) < line_of(b.where);
                   });
  return check;
}

}  // namespace

std::optional<std::string_view> EmbeddedSchema(std::string_view name) {
  const std::string wanted = SchemaStem(name) + ".json";
  for (const auto& file : EmbeddedSchemas()) {
    if (file.name == wanted) return file.text;
  }
  return std::nullopt;
}

Result<std::vector<SchemaError>> ValidateJson(std::string_view schema_name,
                                              const nlohmann::json& doc) {
  auto checker = SchemaChecker::Load(schema_name);
  if (!checker.ok()) return checker.status();
  return checker.value()->Check(doc, "");
}

FlattenedRequest FlattenOtlpRequest(const nlohmann::json& request, std::string_view where_prefix) {
  return OtlpFlattener(where_prefix).Run(request);
}

Result<FileCheck> CheckFile(const std::filesystem::path& file, std::string_view forced_schema) {
  auto text = ReadWholeFile(file);
  if (!text.ok()) return text.status();
  const std::string name = file.string();
  const std::string_view content = text.value();

  std::unique_ptr<SchemaChecker> forced;
  if (!forced_schema.empty()) {
    auto loaded = SchemaChecker::Load(forced_schema);
    if (!loaded.ok()) return loaded.status();
    forced = std::move(loaded.value());
  }
  const bool forced_span = forced && forced->name() == kSpanSchema;
  auto span_checker = [&forced]() -> Result<std::unique_ptr<SchemaChecker>> {
    if (forced) return std::move(forced);
    return SchemaChecker::Load(kSpanSchema);
  };

  if (content.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(name + ": empty file; " + std::string(kFileKinds));
  }

  auto whole = ParseJson(content);
  if (auto* doc = std::get_if<json>(&whole)) {
    const std::size_t line = FirstContentLine(content);
    if (IsOtlpRequest(*doc) && (!forced || forced_span)) {
      auto checker = span_checker();
      if (!checker.ok()) return checker.status();
      return CheckLines({{line, std::move(*doc)}}, {}, *checker.value(), /*otlp=*/true);
    }
    if (forced) {
      FileCheck check{forced->name(), 1, {}};
      if (Status s = AppendErrors(forced->Check(*doc, ""), check); !s.ok()) return s;
      return check;
    }
    auto tag = doc->is_object() ? doc->find("schema") : doc->end();
    if (tag == doc->end() || !tag->is_string()) {
      return Status::InvalidArgument(name + ": line " + std::to_string(line) +
                                     ": unknown kind of file; " + std::string(kFileKinds));
    }
    // "kfm.<name>.v<N>" -> "<name>-v<N>".
    const auto& value = tag->get_ref<const std::string&>();
    const std::size_t dot = value.rfind(".v");
    std::string schema;
    if (value.starts_with("kfm.") && dot != std::string::npos && dot > 4 &&
        IsDigits(value.substr(dot + 2))) {
      schema = value.substr(4, dot - 4) + "-v" + value.substr(dot + 2);
    }
    if (schema.empty() || schema == kSpanSchema || !EmbeddedSchema(schema)) {
      return Status::InvalidArgument(
          name + ": /schema: unknown schema tag " + Show(*tag) +
          " (known: kfm.energy.v2; embedded schemas: " + EmbeddedSchemaList() + ")");
    }
    auto checker = SchemaChecker::Load(schema);
    if (!checker.ok()) return checker.status();
    FileCheck check{checker.value()->name(), 1, {}};
    if (Status s = AppendErrors(checker.value()->Check(*doc, ""), check); !s.ok()) return s;
    return check;
  }

  // Not one JSON document: JSON Lines if the first line is OTLP (or a schema was forced).
  const SyntaxError& whole_error = std::get<SyntaxError>(whole);
  const std::vector<Line> lines = NonBlankLines(content);
  auto first = ParseJson(lines.front().text);
  const json* first_doc = std::get_if<json>(&first);
  const bool otlp = first_doc != nullptr && IsOtlpRequest(*first_doc) && (!forced || forced_span);
  if (first_doc == nullptr || (!otlp && !forced)) {
    return Status::InvalidArgument(name + ": line " + std::to_string(whole_error.line) +
                                   ", column " + std::to_string(whole_error.column) +
                                   ": not valid JSON: " + whole_error.what);
  }
  std::vector<std::pair<std::size_t, json>> parsed;
  std::vector<SchemaError> syntax_errors;
  for (const Line& line : lines) {
    auto one = ParseJson(line.text);
    if (auto* doc = std::get_if<json>(&one)) {
      parsed.emplace_back(line.number, std::move(*doc));
    } else {
      const auto& error = std::get<SyntaxError>(one);
      syntax_errors.push_back(
          {"line " + std::to_string(line.number),
           "not valid JSON at column " + std::to_string(error.column) + ": " + error.what});
    }
  }
  if (otlp) {
    auto checker = span_checker();
    if (!checker.ok()) return checker.status();
    return CheckLines(parsed, syntax_errors, *checker.value(), /*otlp=*/true);
  }
  return CheckLines(parsed, syntax_errors, *forced, /*otlp=*/false);
}

Result<std::vector<SchemaError>> ValidateFile(const std::filesystem::path& file) {
  auto check = CheckFile(file);
  if (!check.ok()) return check.status();
  return std::move(check.value().errors);
}

}  // namespace kfm::otel
