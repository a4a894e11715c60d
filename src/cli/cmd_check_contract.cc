// `kfm-energy check-contract FILE...`: the CI check that every production node span of the
// given span bundles meets the span contract (see otel/contract_check.h for the rules).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "otel/contract_check.h"

namespace kfm::cli {
namespace {

struct CheckContractOptions {
  std::vector<std::string> files;
  bool quiet = false;
};

// Exit code per DESIGN.md: 0 every production node span meets the contract; 1 some span breaks
// it, or the files hold no node span at all; 2 bad usage or a file that cannot be read or is
// not OTLP JSON lines (2 wins over 1).
int RunCheckContract(const CheckContractOptions& options) {
  int exit_code = 0;
  otel::ContractReport total;
  std::size_t files_read = 0;
  for (const auto& file : options.files) {
    auto report = otel::CheckContractFile(file);
    if (!report.ok()) {
      std::cerr << "kfm-energy check-contract: " << report.status().message() << "\n";
      exit_code = 2;
      continue;
    }
    ++files_read;
    for (const auto& problem : report->problems) {
      std::cout << file << ":" << problem.line << ": ";
      if (!problem.node.empty() || !problem.span_id.empty()) {
        std::cout << "node " << (problem.node.empty() ? "?" : problem.node) << " span "
                  << (problem.span_id.empty() ? "(no spanId)" : problem.span_id) << ": ";
      }
      if (!problem.attribute.empty()) std::cout << problem.attribute << ": ";
      std::cout << problem.message << "\n";
    }
    total.node_spans += report->node_spans;
    total.production_spans += report->production_spans;
    total.offending_spans += report->offending_spans;
    total.problems.insert(total.problems.end(), report->problems.begin(), report->problems.end());
  }
  const std::string files = std::to_string(files_read) + (files_read == 1 ? " file" : " files");
  const std::size_t skipped = total.node_spans - total.production_spans;
  const std::string skipped_note =
      skipped == 0 ? "" : ", " + std::to_string(skipped) + " non-production skipped";
  if (!total.problems.empty()) {
    std::cout << "check-contract: FAILED: " << total.offending_spans << " of "
              << total.production_spans << " production node spans break the contract ("
              << total.problems.size() << (total.problems.size() == 1 ? " problem" : " problems")
              << " in " << files << skipped_note << ")\n";
    if (exit_code == 0) exit_code = 1;
  } else if (files_read > 0 && total.node_spans == 0) {
    std::cout << "check-contract: FAILED: no etl.node.* span in " << files
              << ": nothing to check (is this the span bundle of a run?)\n";
    if (exit_code == 0) exit_code = 1;
  } else if (files_read > 0 && !options.quiet) {
    std::cout << "check-contract: ok: " << total.production_spans
              << (total.production_spans == 1 ? " production node span" : " production node spans")
              << " in " << files << " meet the contract (otel-energy-span-v1)" << skipped_note
              << "\n";
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace

void AddCheckContractCommand(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<CheckContractOptions>();
  auto* cmd = root.add_subcommand(
      "check-contract",
      "CI check: every production node span carries energy.cpu_j, carbon.gco2e and the rest of "
      "the span contract");
  cmd->footer(
      "Reads span bundles (OTLP JSON lines, telemetry/otel/spans-kfm-run-<run-id>.json, or what a\n"
      "Collector's file exporter writes). A node span (etl.node.<name>) is bound by the contract\n"
      "unless it says kfm.production false (a pipeline node with `production: false`). It must\n"
      "carry energy.cpu_j, measured or a modelled substitute whose energy.cpu_method is model-*,\n"
      "carbon.gco2e, and every other attribute of otel-energy-span-v1 with the right type\n"
      "(`kfm-energy validate --print-schema otel-energy-span-v1`); a span that says\n"
      "energy.modelled true must name its model-* method. No attribute may identify a person\n"
      "(enduser.*, user.*, process.owner): energy telemetry is system-level only.\n"
      "Output: one line per problem, \"FILE:LINE: node NODE span SPAN_ID: ATTRIBUTE: MESSAGE\",\n"
      "then a summary; or one line \"check-contract: ok: ...\" when every span meets it.\n"
      "Examples:\n"
      "  kfm-energy pipeline run examples/nightly/pipeline.yaml\n"
      "  kfm-energy check-contract "
      "\"$KFM_HOME\"/telemetry/otel/spans-kfm-run-\"$KFM_RUN_ID\".json\n"
      "  kfm-energy check-contract kfm-data/telemetry/otel/*.json   # every run at once\n"
      "Exit codes: 0 every production node span meets the contract; 1 some span breaks it, or\n"
      "the files hold no node span; 2 a file cannot be read or is not OTLP JSON lines (the\n"
      "message names file and line), or bad usage. See docs/reference/check-contract.md.");
  cmd->add_option("FILE", options->files, "Span bundles to check (OTLP JSON lines)")
      ->required()
      ->type_name("FILE");
  cmd->add_flag("-q,--quiet", options->quiet, "Print nothing when every span meets the contract");
  cmd->callback([options, &exit_code] { exit_code = RunCheckContract(*options); });
}

}  // namespace kfm::cli
