// `kfm-energy slo --budget FILE [--window 30d] [--run ID]`: each budgeted pipeline's newest run
// (or the given run) against its targets; exit 1 when a target is exceeded.
#include <iostream>
#include <string>

#include "cli/command.h"
#include "rollup/budget.h"
#include "rollup/history_slice.h"
#include "rollup/rollup.h"
#include "rollup/slo.h"
#include "rollup/window.h"

namespace kfm::cli {
namespace {

struct SloArgs {
  std::string budget;
  std::string window = "30d";
  std::string run_id;
  std::string history;
};

int Slo(const SloArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "kfm-energy slo: " << message << "\n";
    return 2;
  };
  auto window = rollup::ParseWindow(args.window, "--window");
  if (!window.ok()) return fail(window.status().message());
  auto budget = rollup::LoadBudgetFile(args.budget);
  if (!budget.ok()) return fail(budget.status().message());
  rollup::SloOptions options;
  options.until_unix_nano = rollup::NowUnixNano();
  options.since_unix_nano = options.until_unix_nano - window->count() * rollup::kNanosPerSecond;
  options.run_id = args.run_id;
  auto slice = rollup::LoadHistorySlice(rollup::HistoryPath(args.history), options.since_unix_nano,
                                        options.until_unix_nano, "", args.run_id);
  if (!slice.ok()) return fail(slice.status().message());
  auto result = rollup::EvaluateSlo(*budget, slice->runs, slice->nodes, options);
  if (!result.ok()) return fail(result.status().message());
  if (!slice->exists) {
    std::cout << "no history yet (" << slice->path.string() << " does not exist).\n";
  }
  std::cout << rollup::FormatSloReport(*result);
  return result->exceeded() ? 1 : 0;
}

}  // namespace

void AddSloCommand(CLI::App& root, int& exit_code) {
  static SloArgs args;
  auto* cmd =
      root.add_subcommand("slo", "Check pipelines' newest runs against a carbon/energy budget");
  cmd->add_option("--budget", args.budget, "Budget file (YAML, see below)")->required();
  cmd->add_option("--window", args.window, "Look for runs this far back: 30d, 7d, 12h")
      ->capture_default_str();
  cmd->add_option("--run", args.run_id, "Check this run (KFM_RUN_ID) instead of the newest");
  cmd->add_option("--history", args.history, "History file (default $KFM_HOME/history.sqlite)");
  cmd->footer(
      "Budget file:\n"
      "  budgets:\n"
      "    nightly:                # pipeline name (kfm.pipeline)\n"
      "      gco2e_per_run: 5.0    # any of: gco2e_per_run, j_per_run, gco2e_per_record, "
      "j_per_record\n"
      "A run's records are the sum of kfm.records_out over its nodes. Each line shows the\n"
      "figure, the budget, the share used and the window's mean over runs of the same basis\n"
      "(measured or modelled).\n"
      "Examples:\n"
      "  kfm-energy slo --budget budgets.yaml\n"
      "  kfm-energy slo --budget budgets.yaml --run 20261201T020000Z-3f9a1c\n"
      "Exit 0: within budget (or no run to check); 1: a target exceeded; 2: bad budget file\n"
      "(file:line:column and field named), unknown run or bad option. See docs/reference/slo.md.");
  cmd->callback([&exit_code] { exit_code = Slo(args); });
}

}  // namespace kfm::cli
