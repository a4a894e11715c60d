// kfm-energy: energy and carbon spans for batch pipelines. Parses the command line, runs the
// chosen subcommand, maps its result to DESIGN.md's exit codes.
#include <exception>
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "kfm-energy: measure what each node of a batch pipeline costs in joules and grams of CO2e,\n"
      "and export it as OpenTelemetry spans.",
      "kfm-energy"};
  app.footer(
      "Start with `kfm-energy probe` (which energy sources this machine has), then wrap a job:\n"
      "  kfm-energy run --node usgs_gauges --domain hydro -- python etl/usgs.py\n"
      "or run a whole DAG: kfm-energy pipeline run examples/nightly/pipeline.yaml\n"
      "Files go to $KFM_HOME (default ./kfm-data). Exit codes: 0 ok, 1 the work failed,\n"
      "2 bad usage or input; `run` returns the wrapped command's own status.");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  int exit_code = 0;
  kfm::cli::AddVersionCommand(app, exit_code);
  kfm::cli::AddProbeCommand(app, exit_code);
  kfm::cli::AddRunCommand(app, exit_code);
  kfm::cli::AddPipelineCommand(app, exit_code);
  kfm::cli::AddIngestCommand(app, exit_code);
  kfm::cli::AddRunsCommand(app, exit_code);
  kfm::cli::AddValidateCommand(app, exit_code);
  kfm::cli::AddCheckContractCommand(app, exit_code);
  kfm::cli::AddFlushCommand(app, exit_code);
  kfm::cli::AddCarbonCommand(app, exit_code);
  kfm::cli::AddLineageCommand(app, exit_code);
  kfm::cli::AddReportCommand(app, exit_code);
  kfm::cli::AddRollupCommand(app, exit_code);
  kfm::cli::AddSloCommand(app, exit_code);
  kfm::cli::AddGateCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "kfm-energy: internal error: " << e.what() << "\n";
    return 70;
  }
  return exit_code;
}
