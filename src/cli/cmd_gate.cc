// `kfm-energy gate --metric M [--baseline 14d] [--threshold 10%] [--waivers FILE] ...`: the CI
// regression gate; exit 1 when the newest (or given) run regressed against its baseline.
#include <iostream>
#include <limits>
#include <string>

#include "cli/command.h"
#include "otel/bundle.h"
#include "rollup/gate.h"
#include "rollup/history_slice.h"
#include "rollup/rollup.h"
#include "rollup/waivers.h"
#include "rollup/window.h"

namespace kfm::cli {
namespace {

struct GateArgs {
  std::string metric = "gco2e_per_record";
  std::string baseline = "14d";
  std::string threshold = "10%";
  std::string waivers;
  std::string run_id;
  std::string pipeline;
  std::string markdown;
  std::string history;
  int min_runs = 5;
  double k = 2.0;
  bool report_only = false;
};

int Gate(const GateArgs& args) {
  auto fail = [](const std::string& message, int code = 2) {
    std::cerr << "kfm-energy gate: " << message << "\n";
    return code;
  };
  rollup::GateOptions options;
  auto metric = rollup::ParseGateMetric(args.metric);
  if (!metric) {
    return fail("--metric: unknown metric '" + args.metric +
                "'; known: " + std::string(rollup::GateMetricNames()));
  }
  options.metric = *metric;
  auto baseline = rollup::ParseWindow(args.baseline, "--baseline");
  if (!baseline.ok()) return fail(baseline.status().message());
  options.baseline_ns = baseline->count() * rollup::kNanosPerSecond;
  auto threshold = rollup::ParseThreshold(args.threshold, "--threshold");
  if (!threshold.ok()) return fail(threshold.status().message());
  options.threshold = *threshold;
  if (args.min_runs < 1) return fail("--min-runs: must be at least 1");
  if (!(args.k >= 0)) return fail("--k: must not be negative");
  options.min_runs = args.min_runs;
  options.k = args.k;
  options.run_id = args.run_id;
  options.pipeline = args.pipeline;
  options.now_unix_nano = rollup::NowUnixNano();
  rollup::WaiverFile waivers;
  if (!args.waivers.empty()) {
    auto loaded = rollup::LoadWaiverFile(args.waivers);
    if (!loaded.ok()) return fail(loaded.status().message());
    waivers = std::move(loaded.value());
  }
  const auto path = rollup::HistoryPath(args.history);
  // Runs first (to find the candidate), then the nodes of its baseline window onwards: a
  // baseline run's nodes end after the run starts.
  auto runs = rollup::LoadHistorySlice(path, 0, std::numeric_limits<std::int64_t>::max(),
                                       args.pipeline, args.run_id);
  if (!runs.ok()) return fail(runs.status().message());
  std::int64_t candidate_start = std::numeric_limits<std::int64_t>::min();
  for (const auto& run : runs->runs) {
    if (args.run_id.empty() ? run.start_unix_nano > candidate_start : run.run_id == args.run_id) {
      candidate_start = run.start_unix_nano;
    }
  }
  std::vector<store::NodeRecord> nodes;
  if (candidate_start != std::numeric_limits<std::int64_t>::min()) {
    auto slice = rollup::LoadHistorySlice(path, candidate_start - options.baseline_ns,
                                          std::numeric_limits<std::int64_t>::max(), args.pipeline,
                                          args.run_id);
    if (!slice.ok()) return fail(slice.status().message());
    nodes = std::move(slice->nodes);
  }
  auto result = rollup::EvaluateGate(runs->runs, nodes, options, waivers);
  if (!result.ok()) {
    if (result.status().code() == Status::Code::kNotFound && args.run_id.empty()) {
      // No runs at all: nothing to gate, which is not a failure of the change under test.
      std::cout << "gate " << args.metric << ": " << result.status().message() << " (history "
                << path.string() << "); too little history to gate, not failing\n";
      return 0;
    }
    return fail(result.status().message());
  }
  const std::string report = rollup::FormatGateReport(*result);
  std::cout << report;
  if (!args.markdown.empty()) {
    if (Status s = otel::WriteFileAtomically(args.markdown, rollup::FormatGateMarkdown(*result));
        !s.ok()) {
      return fail("--markdown: " + s.message(), 1);
    }
  }
  if (result->regression() && args.report_only) {
    std::cout << "--report-only: exit 0 despite the regression\n";
    return 0;
  }
  return result->regression() ? 1 : 0;
}

}  // namespace

void AddGateCommand(CLI::App& root, int& exit_code) {
  static GateArgs args;
  auto* cmd = root.add_subcommand(
      "gate", "CI regression gate: the newest run's energy per record against its baseline");
  cmd->add_option("--metric", args.metric, "gco2e_per_record, j_per_record or gco2e_per_node")
      ->capture_default_str();
  cmd->add_option("--baseline", args.baseline, "Baseline window before the run: 14d, 30d, 48h")
      ->capture_default_str();
  cmd->add_option("--threshold", args.threshold, "Allowed rise over the baseline median: 10%, 0.1")
      ->capture_default_str();
  cmd->add_option("--waivers", args.waivers, "Waivers file (YAML, see below)");
  cmd->add_option("--run", args.run_id, "Gate this run (KFM_RUN_ID) instead of the newest");
  cmd->add_option("--pipeline", args.pipeline, "The newest run of this pipeline");
  cmd->add_option("--markdown", args.markdown, "Also write a summary for a pull-request comment");
  cmd->add_option("--min-runs", args.min_runs, "Fewer comparable baseline runs: too little history")
      ->capture_default_str();
  cmd->add_option("--k", args.k, "Spread allowance in baseline standard deviations")
      ->capture_default_str();
  cmd->add_option("--history", args.history, "History file (default $KFM_HOME/history.sqlite)");
  cmd->add_flag("--report-only", args.report_only,
                "Report regressions but always exit 0 (noisy shared CI machines)");
  cmd->footer(
      "The run, and each of its nodes, is compared with the successful runs of the same\n"
      "pipeline in the baseline window before it, of the same basis (measured or modelled;\n"
      "nodes also the same energy method). A figure regresses when it is above\n"
      "  max(median x (1 + threshold), p90, mean + k x stddev)\n"
      "of its baseline, so normal jitter does not fail CI. Fewer than --min-runs comparable\n"
      "values: too little history, reported, not failing.\n"
      "Waivers file:\n"
      "  waivers:\n"
      "    - metric: gco2e_per_record\n"
      "      pipeline: nightly        # and/or node: hrrr_ingest (a node waiver covers that node)\n"
      "      reason: \"new decoder reads two more fields (#142)\"\n"
      "      expires: 2026-12-31      # valid through that UTC day; expired waivers are ignored\n"
      "Examples:\n"
      "  kfm-energy gate --metric gco2e_per_record --threshold 10%\n"
      "  kfm-energy gate --metric j_per_record --baseline 30d --waivers waivers.yaml --markdown "
      "gate.md\n"
      "  kfm-energy gate --metric gco2e_per_node --report-only\n"
      "Exit 0: no regression, too little history, or --report-only; 1: regression; 2: bad\n"
      "option, bad waivers file or unknown run. See docs/reference/gate.md.");
  cmd->callback([&exit_code] { exit_code = Gate(args); });
}

}  // namespace kfm::cli
