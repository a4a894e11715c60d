#include "otel/contract_check.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <utility>

#include "otel/json_text.h"
#include "otel/otlp_json_reader.h"
#include "otel/schema_check.h"

namespace kfm::otel {
namespace {

using nlohmann::json;

constexpr std::string_view kSpanSchema = "otel-energy-span-v1";
constexpr std::string_view kModelPrefix = "model-";

// The span ids of the node spans, in the order FlattenOtlpRequest emits them: the same walk
// (resourceSpans -> scopeSpans -> spans, skipping what it skips), so that index i here is node
// span i there.
std::vector<std::string> NodeSpanIds(const json& request) {
  std::vector<std::string> ids;
  auto resource_spans = request.find("resourceSpans");
  if (resource_spans == request.end() || !resource_spans->is_array()) return ids;
  for (const json& rs : *resource_spans) {
    if (!rs.is_object()) continue;
    auto scope_spans = rs.find("scopeSpans");
    if (scope_spans == rs.end() || !scope_spans->is_array()) continue;
    for (const json& ss : *scope_spans) {
      if (!ss.is_object()) continue;
      auto spans = ss.find("spans");
      if (spans == ss.end() || !spans->is_array()) continue;
      for (const json& span : *spans) {
        if (!span.is_object()) continue;
        auto name = span.find("name");
        if (name == span.end() || !name->is_string() ||
            !name->get_ref<const std::string&>().starts_with(kNodeSpanPrefix)) {
          continue;
        }
        auto id = span.find("spanId");
        ids.push_back(id != span.end() && id->is_string() ? id->get<std::string>() : "");
      }
    }
  }
  return ids;
}

// "/energy.cpu_j" -> "energy.cpu_j" (RFC 6901 unescaping); "/" -> "".
std::string AttributeOfPointer(std::string_view pointer) {
  if (pointer.starts_with('/')) pointer.remove_prefix(1);
  if (const std::size_t slash = pointer.find('/'); slash != std::string_view::npos) {
    pointer = pointer.substr(0, slash);  // inside an array attribute: name the attribute
  }
  std::string key;
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' && i + 1 < pointer.size() &&
        (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      key += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      key += pointer[i];
    }
  }
  return key;
}

bool IsModelMethod(const json& value) {
  return value.is_string() && value.get_ref<const std::string&>().starts_with(kModelPrefix);
}

// The rules beyond the schema's types: a production node's CPU figure is measured or a
// modelled substitute that says so, and the span's own account of modelling agrees with its
// methods. Appends (attribute, message) pairs.
void CheckMethods(const json& attributes, std::vector<std::pair<std::string, std::string>>& out) {
  auto find = [&attributes](const char* key) -> const json* {
    auto it = attributes.find(key);
    return it == attributes.end() ? nullptr : &*it;
  };
  const json* cpu_method = find("energy.cpu_method");
  if (cpu_method != nullptr && cpu_method->is_string() && *cpu_method == "none" &&
      find("energy.cpu_j") != nullptr) {
    out.emplace_back("energy.cpu_method",
                     "is \"none\": energy.cpu_j is neither measured nor a modelled "
                     "substitute "
                     "(a production node needs one or the other, with its model-* method)");
  }
  const json* modelled = find("energy.modelled");
  if (modelled == nullptr) return;
  if (!modelled->is_boolean()) {
    out.emplace_back("energy.modelled", "must be of type boolean, not " +
                                            std::string(TypeName(*modelled)) + "; got " +
                                            Show(*modelled));
    return;
  }
  const json* substituted = find("energy.substituted_intervals");
  if (substituted != nullptr && !substituted->is_number_integer()) {
    out.emplace_back("energy.substituted_intervals", "must be of type integer, not " +
                                                         std::string(TypeName(*substituted)) +
                                                         "; got " + Show(*substituted));
    substituted = nullptr;
  }
  bool any_model_method = false;
  for (const auto& [key, value] : attributes.items()) {
    if (key.starts_with("energy.") && key.ends_with("_method") && IsModelMethod(value)) {
      any_model_method = true;
    }
  }
  const bool any_substituted = substituted != nullptr && substituted->get<long long>() > 0;
  if (modelled->get<bool>() && !any_model_method && !any_substituted) {
    out.emplace_back("energy.cpu_method",
                     "the span says energy.modelled true, but energy.cpu_method is " +
                         (cpu_method != nullptr ? Show(*cpu_method) : std::string("missing")) +
                         " and no other energy.*_method names a model-* (nor were intervals "
                         "substituted): a modelled figure must say which model");
  }
  if (!modelled->get<bool>() && cpu_method != nullptr && IsModelMethod(*cpu_method)) {
    out.emplace_back("energy.modelled", "is false, but energy.cpu_method is " + Show(*cpu_method) +
                                            ": the figure is modelled");
  }
}

// Governance: energy telemetry is system-level only, never attributed to a person. The
// OpenTelemetry attributes that identify one (enduser.*, user.*, process.owner) are refused.
void CheckNoPersonalAttributes(const json& attributes,
                               std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, value] : attributes.items()) {
    if (key.starts_with("enduser.") || key.starts_with("user.") || key == "process.owner") {
      out.emplace_back(key,
                       "identifies a person; energy telemetry is system-level only (no "
                       "per-person attribution), so it must not carry this attribute");
    }
  }
}

std::size_t LineOf(std::string_view where, std::size_t fallback) {
  if (!where.starts_with("line ")) return fallback;
  std::size_t n = 0;
  for (std::size_t i = 5; i < where.size() && where[i] >= '0' && where[i] <= '9'; ++i) {
    n = n * 10 + static_cast<std::size_t>(where[i] - '0');
  }
  return n == 0 ? fallback : n;
}

}  // namespace

void CheckContractRequest(const json& request, std::size_t line, ContractReport& report) {
  const std::string prefix = "line " + std::to_string(line);
  FlattenedRequest flat = FlattenOtlpRequest(request, prefix);
  const std::vector<std::string> ids = NodeSpanIds(request);

  // Structural problems (malformed ids, timestamps, AnyValues) break the bundle as a whole.
  for (const SchemaError& error : flat.errors) {
    std::string where = error.where;
    if (where.starts_with(prefix)) where.erase(0, prefix.size());
    if (where.starts_with(' ')) where.erase(0, 1);
    report.problems.push_back({LineOf(error.where, line), "", "", "",
                               where.empty() ? error.message : where + ": " + error.message});
  }

  for (std::size_t i = 0; i < flat.node_spans.size(); ++i) {
    const FlattenedSpan& span = flat.node_spans[i];
    ++report.node_spans;
    ContractProblem base;
    base.line = line;
    base.node = span.name.substr(kNodeSpanPrefix.size());
    base.span_id = i < ids.size() ? ids[i] : "";

    std::vector<std::pair<std::string, std::string>> found;
    bool production = true;  // the pipeline file's default
    if (auto it = span.attributes.find("kfm.production"); it != span.attributes.end()) {
      if (it->is_boolean()) {
        production = it->get<bool>();
      } else {
        found.emplace_back("kfm.production", "must be of type boolean, not " +
                                                 std::string(TypeName(*it)) + "; got " + Show(*it) +
                                                 " (checked as a production node)");
      }
    }
    if (!production) continue;
    ++report.production_spans;

    auto schema_errors = ValidateJson(kSpanSchema, span.attributes);
    if (!schema_errors.ok()) {
      found.emplace_back("", schema_errors.status().message());
    } else {
      for (const SchemaError& error : schema_errors.value()) {
        std::string attribute = AttributeOfPointer(error.where);
        std::string message = error.message;
        if ((attribute == "energy.cpu_j" || attribute == "carbon.gco2e") &&
            message == "required property is missing") {
          message += attribute == "energy.cpu_j"
                         ? " (a production node needs a measured CPU figure or a "
                           "modelled "
                           "substitute with its model-* energy.cpu_method)"
                         : " (a production node's main span carries its emissions)";
        }
        found.emplace_back(std::move(attribute), std::move(message));
      }
    }
    CheckMethods(span.attributes, found);
    CheckNoPersonalAttributes(span.attributes, found);
    if (found.empty()) continue;
    ++report.offending_spans;
    for (auto& [attribute, message] : found) {
      ContractProblem problem = base;
      problem.attribute = std::move(attribute);
      problem.message = std::move(message);
      report.problems.push_back(std::move(problem));
    }
  }
}

Result<ContractReport> CheckContractFile(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return Status::NotFound(name + ": no such file");
  if (std::filesystem::is_directory(file, ec)) {
    return Status::InvalidArgument(name + ": is a directory; name the span files in it");
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int error = errno;
    std::string message =
        name + ": cannot open: " + (error != 0 ? std::strerror(error) : "unknown error");
    if (error == EACCES || error == EPERM) return Status::PermissionDenied(std::move(message));
    return Status::IoError(std::move(message));
  }

  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(name + ": read failed");

  ContractReport report;
  std::size_t number = 0;
  std::size_t requests = 0;
  std::string_view rest = content;
  while (!rest.empty()) {
    ++number;
    const std::size_t newline = rest.find('\n');
    std::string_view text = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    json request;
    try {
      request = json::parse(text);
    } catch (const json::exception& e) {
      // One pretty-printed request (not JSON lines) is read whole.
      if (requests == 0) {
        json whole = json::parse(content, nullptr, /*allow_exceptions=*/false);
        if (whole.is_object() && whole.contains("resourceSpans")) {
          CheckContractRequest(whole, number, report);
          return report;
        }
      }
      std::string what = e.what();
      if (auto column = what.find("column "); column != std::string::npos) what.erase(0, column);
      return Status::InvalidArgument(name + ":" + std::to_string(number) + ": not valid JSON (" +
                                     what +
                                     "); expected OTLP JSON lines, one ExportTraceServiceRequest "
                                     "per line");
    }
    if (!request.is_object() || !request.contains("resourceSpans")) {
      return Status::InvalidArgument(name + ":" + std::to_string(number) +
                                     ": not an OTLP ExportTraceServiceRequest (expected an object "
                                     "with \"resourceSpans\")");
    }
    ++requests;
    CheckContractRequest(request, number, report);
  }
  if (requests == 0) {
    return Status::InvalidArgument(name +
                                   ": empty file; expected OTLP JSON lines, one "
                                   "ExportTraceServiceRequest per line");
  }
  std::stable_sort(
      report.problems.begin(), report.problems.end(),
      [](const ContractProblem& a, const ContractProblem& b) { return a.line < b.line; });
  return report;
}

}  // namespace kfm::otel
