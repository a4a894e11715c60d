#include "otel/schema_check.h"

// valijson reports schema defects either by exception or by abort(); every translation unit
// must choose the same (src/otel/CMakeLists.txt defines it for kfm_otel). The exceptions are
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
constexpr std::string_view kFileKinds =
    "expected a JSON document with \"schema\": \"kfm.energy.v2\", \"kfm.carbon.v2\" or "
    "\"kfm.energy-rollup.v1\", or OTLP "
    "JSON lines "
    "(ExportTraceServiceRequest objects with \"resourceSpans\")";

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

std::string Pointer(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return "/";
  std::string out;
  for (const auto& token : tokens) out += "/" + EscapePointerToken(token);
  return out;
}

std::string JoinWhere(std::string_view prefix, std::string_view rest) {
  if (prefix.empty()) return std::string(rest);
  return std::string(prefix) + ": " + std::string(rest);
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
  } catch (const json::exception& e) {
    // A number past double's range ("1e99999", found by fuzz/otlp_json_fuzz.cc) is
    // out_of_range, not parse_error, and carries no position: the number is found in the text.
    SyntaxError error;
    std::string_view what = e.what();
    if (auto bracket = what.find("] "); bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    error.what = std::string(what);
    const auto open = what.find('\'');
    const auto close = open == std::string_view::npos ? open : what.find('\'', open + 1);
    if (close != std::string_view::npos) {
      const auto at = text.find(what.substr(open + 1, close - open - 1));
      for (std::size_t i = 0; at != std::string_view::npos && i < at; ++i) {
        if (text[i] == '\n') {
          ++error.line;
          error.column = 1;
        } else {
          ++error.column;
        }
      }
    }
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
  check.malformed_lines = syntax_errors.size();
  for (const auto& [number, doc] : parsed) {
    const std::string line = "line " + std::to_string(number);
    if (!otlp) {
      ++check.documents;
      if (Status s = AppendErrors(checker.Check(doc, line), check); !s.ok()) return s;
      continue;
    }
    if (!IsOtlpRequest(doc)) {
      ++check.malformed_lines;
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
          " (known: kfm.energy.v2, kfm.carbon.v2, kfm.energy-rollup.v1; embedded schemas: " +
          EmbeddedSchemaList() + ")");
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
