// `kfm-energy validate FILE...`: checks output files against the JSON Schemas built into the
// binary (see otel/schema_check.h for how a file's kind is recognised).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "otel/schema_check.h"

namespace kfm::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::string schema;        // --schema: skip detection
  std::string print_schema;  // --print-schema: print and exit
  bool list_schemas = false;
};

std::string SchemaNames() {
  std::string names;
  for (const auto& file : otel::EmbeddedSchemas()) {
    if (!names.empty()) names += ", ";
    names += std::string(file.name.substr(0, file.name.size() - 5));  // without ".json"
  }
  return names;
}

// Exit code per DESIGN.md: 0 all valid, 1 some file does not conform, 2 bad usage or a file that
// cannot be read, is not JSON, has a line that is not JSON (or not OTLP) or is of no known kind
// (2 wins over 1).
int RunValidate(const ValidateOptions& options) {
  if (options.list_schemas) {
    for (const auto& file : otel::EmbeddedSchemas()) std::cout << file.name << "\n";
    return 0;
  }
  if (!options.print_schema.empty()) {
    const auto text = otel::EmbeddedSchema(options.print_schema);
    if (!text) {
      std::cerr << "kfm-energy validate: --print-schema: unknown schema '" << options.print_schema
                << "' (embedded: " << SchemaNames() << ")\n";
      return 2;
    }
    std::cout << *text;
    if (!text->ends_with('\n')) std::cout << "\n";
    return 0;
  }
  if (options.files.empty()) {
    std::cerr << "kfm-energy validate: name at least one FILE (see --help)\n";
    return 2;
  }
  if (!options.schema.empty() && !otel::EmbeddedSchema(options.schema)) {
    std::cerr << "kfm-energy validate: --schema: unknown schema '" << options.schema
              << "' (embedded: " << SchemaNames() << ")\n";
    return 2;
  }

  int exit_code = 0;
  for (const auto& file : options.files) {
    auto check = otel::CheckFile(file, options.schema);
    if (!check.ok()) {
      std::cerr << check.status().message() << "\n";
      exit_code = 2;
      continue;
    }
    if (check->errors.empty()) {
      std::cout << file << ": ok (" << check->schema << ")\n";
      continue;
    }
    for (const auto& error : check->errors)
      std::cout << file << ": " << error.where << ": " << error.message << "\n";
    if (check->malformed_lines > 0) {
      exit_code = 2;
    } else if (exit_code == 0) {
      exit_code = 1;
    }
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace

void AddValidateCommand(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  auto* cmd =
      root.add_subcommand("validate", "Check kfm-energy output files against their JSON Schemas");
  cmd->footer(
      "File kinds, recognised from the content:\n"
      "  energy record  telemetry/energy/kfm-run-<run-id>.json: a JSON document with\n"
      "                 \"schema\": \"kfm.energy.v2\" -> schema energy-v2\n"
      "  carbon record  telemetry/carbon/kfm-run-<run-id>[.rescored-<table>].json:\n"
      "                 \"schema\": \"kfm.carbon.v2\" -> schema carbon-v2\n"
      "  span file      telemetry/otel/spans-kfm-run-<run-id>.json: OTLP JSON lines, one\n"
      "                 ExportTraceServiceRequest (\"resourceSpans\") per line; each etl.node.* "
      "span's\n"
      "                 resource + span attributes are flattened into one object ->\n"
      "                 otel-energy-span-v1 (ids, timestamps and AnyValue encodings are checked "
      "too)\n"
      "Output: \"FILE: ok (SCHEMA)\", or one line per problem \"FILE: WHERE: MESSAGE\", WHERE "
      "being a\n"
      "JSON pointer (/nodes/0/cpu/attributed_j) or \"line N span etl.node.X: /attribute.key\".\n"
      "Exit codes: 0 every file is valid; 1 some file does not conform to its schema; 2 a file\n"
      "cannot be read, is not JSON, has a line that is not JSON (a torn write) or not OTLP, or is\n"
      "of unknown kind (the message names file, line and column), or bad usage; the other lines\n"
      "and files are still checked and reported. The schemas are built into the binary: see "
      "--list-schemas.");
  auto* files = cmd->add_option("FILE", options->files,
                                "Files to check (energy record or OTLP JSON span file)")
                    ->type_name("FILE");
  cmd->add_option("--schema", options->schema,
                  "Use this schema instead of detecting the kind (e.g. otel-energy-span-v1 for a\n"
                  "flattened span object; JSON lines are checked one by one)")
      ->type_name("NAME");
  auto* print =
      cmd->add_option("--print-schema", options->print_schema, "Print an embedded schema and exit")
          ->type_name("NAME");
  auto* list =
      cmd->add_flag("--list-schemas", options->list_schemas, "List the embedded schemas and exit");
  print->excludes(files);
  list->excludes(files);
  list->excludes(print);
  cmd->callback([options, &exit_code] { exit_code = RunValidate(*options); });
}

}  // namespace kfm::cli
