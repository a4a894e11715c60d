// How subcommands plug into the one kfm-energy binary: each src/cli/cmd_<name>.cc defines one
// Add<Name>Command that registers a CLI11 subcommand whose callback stores its exit code in
// `exit_code` (0 ok, 1 work failed, 2 bad usage or input, as DESIGN.md fixes). Not thread-safe;
// main() runs once.
#pragma once

#include <CLI/CLI.hpp>

namespace kfm::cli {

void AddVersionCommand(CLI::App& root, int& exit_code);
void AddProbeCommand(CLI::App& root, int& exit_code);
void AddRunCommand(CLI::App& root, int& exit_code);
void AddValidateCommand(CLI::App& root, int& exit_code);
void AddFlushCommand(CLI::App& root, int& exit_code);
void AddCarbonCommand(CLI::App& root, int& exit_code);
void AddPipelineCommand(CLI::App& root, int& exit_code);
void AddIngestCommand(CLI::App& root, int& exit_code);
void AddRunsCommand(CLI::App& root, int& exit_code);
void AddCheckContractCommand(CLI::App& root, int& exit_code);
void AddLineageCommand(CLI::App& root, int& exit_code);
void AddReportCommand(CLI::App& root, int& exit_code);
void AddRollupCommand(CLI::App& root, int& exit_code);
void AddSloCommand(CLI::App& root, int& exit_code);
void AddGateCommand(CLI::App& root, int& exit_code);
// Subcommands of `carbon`, each in its own file.
void AddCarbonRescoreCommand(CLI::App& carbon, int& exit_code);
void AddCarbonImportCommand(CLI::App& carbon, int& exit_code);

}  // namespace kfm::cli
