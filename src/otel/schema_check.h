// Checks kfm-energy's output files against the JSON Schemas compiled into the binary
// (schemas/telemetry/*.json, embedded by cmake/EmbedFiles.cmake): the per-run energy document
// and the OTLP JSON span files, whose node spans are flattened into one attribute object each.
// Every function is thread-safe: they share only the immutable embedded schema text.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "otel/json_text.h"
#include "otel/otlp_json_reader.h"

namespace kfm::otel {

// One schema file embedded at build time; `text` lives for the whole program.
struct EmbeddedSchemaFile {
  std::string_view name;  // file name, e.g. "energy-v2.json"
  std::string_view text;  // the JSON Schema document
  std::string_view sha256;
};

// All embedded schemas, sorted by name. Defined in the generated embedded_schemas.cc.
std::span<const EmbeddedSchemaFile> EmbeddedSchemas();

// The text of one embedded schema. `name` may omit ".json" ("energy-v2" or "energy-v2.json").
std::optional<std::string_view> EmbeddedSchema(std::string_view name);

// Validates `doc` against the embedded schema `schema_name` (".json" optional). An empty vector
// means valid. InvalidArgument for an unknown schema name; Internal if the schema itself does
// not load (a build defect).
Result<std::vector<SchemaError>> ValidateJson(std::string_view schema_name,
                                              const nlohmann::json& doc);

// The outcome of checking one file.
struct FileCheck {
  std::string schema;               // schema applied, without ".json", e.g. "energy-v2"
  std::size_t documents = 0;        // documents (or flattened node spans) checked
  std::vector<SchemaError> errors;  // empty when the file conforms
  // Lines of a JSON-lines file that are not JSON, or not an OTLP request where one is due (a
  // torn write, a foreign line): malformed input, not a schema violation. Their errors are in
  // `errors` too, and the other lines are still checked.
  std::size_t malformed_lines = 0;
};

// Reads `file`, works out what it is and validates it:
//  * a JSON document with "schema": "kfm.<name>.v<N>" -> embedded schema "<name>-v<N>.json"
//    (so "kfm.energy.v2" -> energy-v2);
//  * OTLP JSON Lines (each line an ExportTraceServiceRequest with "resourceSpans") -> every span
//    named "etl.node.*" is flattened (resource attributes + span attributes) and checked against
//    otel-energy-span-v1; ids, timestamps and AnyValue encodings are checked on every span.
// A non-empty `forced_schema` skips detection: the document (or each JSON line; OTLP lines are
// still flattened for otel-energy-span-v1) is checked against that schema.
// Errors in the content come back in FileCheck::errors. A file that cannot be read is
// NotFound/PermissionDenied/IoError; one that is not JSON, or of no known kind, is
// InvalidArgument naming the file and, for JSON syntax errors, the line and column.
Result<FileCheck> CheckFile(const std::filesystem::path& file, std::string_view forced_schema = {});

// CheckFile(file) without the details: only the errors.
Result<std::vector<SchemaError>> ValidateFile(const std::filesystem::path& file);

}  // namespace kfm::otel
