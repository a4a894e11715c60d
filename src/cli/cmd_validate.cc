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
// cannot be read, is not JSON or is of no known kind (2 wins over 1).
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
    for (const auto& error : check->errors) std::cout << file << ": " << error.where << ": " << error.message << "\n";
    if (exit_code == 0) exit_code = 1;
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace

void AddValidateCommand(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  auto* cmd = root.add_subcommand("validate", "Check kfm-energy output files against their JSON Schemas");
  cmd->footer(
      "A file's kind is recognised from its content:\n"
      "  telemetry/energy/kfm-run-<run-id>.json    JSON document with \"schema\": \"kfm.energy.v2\"\n"
      "                                            -> schema energy-v2\n"
      "  telemetry/otel/spans-kfm-run-<run-id>.json  OTLP JSON lines (ExportTraceServiceRequest); each\n"
      "                                            etl.node.* span's resource + span attributes are\n"
      "                                            flattened into one object -> otel-energy-span-v1;\n"
      "                                            ids, timestamps and AnyValues are checked too\n"
      "Prints \"FILE: ok (SCHEMA)\", or one line per problem \"FILE: WHERE: MESSAGE\" where WHERE is a\n"
      "JSON pointer (/nodes/0/cpu/attributed_j) or \"line N span etl.node.X: /attribute\".\n"
      "Exit codes: 0 every file is valid; 1 a file does not conform to its schema;\n"
      "2 a file cannot be read, is not JSON or is of unknown kind (message names file, line and\n"
      "field), or bad usage. The schemas are built into the binary: see --list-schemas.");
  auto* files = cmd->add_option("FILE", options->files, "Files to check (energy record or OTLP JSON span file)")
                    ->type_name("FILE");
  cmd->add_option("--schema", options->schema,
                  "Check every file (or each JSON line) against this schema instead of detecting it, "
                  "e.g. otel-energy-span-v1 for a flattened span object")
      ->type_name("NAME");
  auto* print = cmd->add_option("--print-schema", options->print_schema, "Print an embedded schema and exit")
                    ->type_name("NAME");
  auto* list = cmd->add_flag("--list-schemas", options->list_schemas, "List the embedded schemas and exit");
  print->excludes(files);
  list->excludes(files);
  list->excludes(print);
  cmd->callback([options, &exit_code] { exit_code = RunValidate(*options); });
}

}  // namespace kfm::cli
