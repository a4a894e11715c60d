// `kfm-energy report`: the run history for people (one self-contained HTML page of charts) and
// for Prometheus (the rollup gauges as a node_exporter textfile and/or pushed to a
// Pushgateway). See docs/reference/report.md and docs/reference/dashboards.md.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "otel/bundle.h"
#include "otel/pushgateway.h"
#include "report/html_report.h"
#include "report/rollup_metrics.h"
#include "rollup/budget.h"
#include "rollup/history_slice.h"
#include "rollup/rollup.h"
#include "rollup/window.h"

namespace kfm::cli {
namespace {

struct ReportCliOptions {
  std::string out;
  std::string window = "30d";
  std::string pipeline;
  std::string budget;
  std::string history;
  std::string textfile;
  std::string push;
  bool push_given = false;
  bool out_given = false;
  std::size_t max_runs = 60;
  bool quiet = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "kfm-energy report: " << message << "\n";
  return code;
}

// Writes `text` to `file` atomically, creating its directory first.
Status WriteOutput(const std::string& file, const std::string& text) {
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::IoError("cannot create " + parent.string() + ": " + ec.message());
  return otel::WriteFileAtomically(file, text);
}

int RunReport(const ReportCliOptions& options) {
  const auto window = rollup::ParseWindow(options.window, "--window");
  if (!window.ok()) return Fail(2, window.status().message());
  std::optional<rollup::BudgetFile> budgets;
  if (!options.budget.empty()) {
    auto loaded = rollup::LoadBudgetFile(options.budget);
    if (!loaded.ok()) return Fail(2, loaded.status().message());
    budgets = std::move(loaded).value();
  }
  std::string push_url;
  if (options.push_given) {
    push_url = options.push;
    if (push_url.empty()) {
      auto from_env = otel::PushgatewayUrlFromEnv();
      if (!from_env.ok()) return Fail(2, from_env.status().message());
      push_url = *from_env;
      if (push_url.empty()) {
        return Fail(2, "--push: give a URL or set KFM_PUSHGATEWAY_URL");
      }
    } else if (push_url.rfind("http://", 0) != 0 && push_url.rfind("https://", 0) != 0) {
      return Fail(2, "--push: expected an http:// or https:// URL, got '" + push_url + "'");
    }
  }
  const bool metrics_only = !options.out_given && (!options.textfile.empty() || options.push_given);
  const std::string out = options.out.empty() ? "energy.html" : options.out;

  const std::int64_t until = rollup::NowUnixNano();
  const std::int64_t since = until - static_cast<std::int64_t>(window->count()) * 1'000'000'000;
  rollup::RollupOptions rollup_options;
  rollup_options.since_unix_nano = since;
  rollup_options.until_unix_nano = until;
  rollup_options.window = options.window;
  rollup_options.pipeline = options.pipeline;
  rollup_options.version = KFM_VERSION;

  // What the charts' baseline bands and the rollup's baselines need, whichever reaches back
  // further.
  const std::int64_t lookback = std::min(since - report::kBandDays * report::kNanosPerDayInt,
                                         rollup::RollupLookbackStart(rollup_options));
  const std::filesystem::path history_path = rollup::HistoryPath(options.history);
  if (!options.history.empty() && !std::filesystem::exists(history_path)) {
    return Fail(2, "--history: " + options.history + ": no such file");
  }
  // Nodes from a day earlier still, so that long runs that started in the window are complete.
  auto slice = rollup::LoadHistorySlice(history_path, lookback - report::kNanosPerDayInt,
                                        std::numeric_limits<std::int64_t>::max(), options.pipeline);
  if (!slice.ok()) return Fail(2, slice.status().message());
  const std::vector<store::RunRecord>& runs = slice->runs;
  const std::vector<store::NodeRecord>& nodes = slice->nodes;

  if (!metrics_only) {
    report::ReportOptions report_options;
    report_options.since_unix_nano = since;
    report_options.until_unix_nano = until;
    report_options.window = options.window;
    report_options.pipeline = options.pipeline;
    report_options.history = history_path.string();
    report_options.version = KFM_VERSION;
    report_options.budgets = budgets;
    report_options.max_runs = options.max_runs;
    const auto sections = report::BuildSections(runs, nodes, report_options);
    const std::string html = report::RenderReportHtml(sections, report_options);
    if (Status written = WriteOutput(out, html); !written.ok()) {
      return Fail(1, written.message());
    }
    if (!options.quiet) {
      std::size_t shown = 0;
      for (const auto& section : sections) shown += section.runs.size();
      std::cout << "report: " << out << " (" << sections.size() << " pipeline"
                << (sections.size() == 1 ? "" : "s") << ", " << shown << " run"
                << (shown == 1 ? "" : "s") << " in the last " << options.window << ")\n";
    }
  }

  if (!options.textfile.empty() || !push_url.empty()) {
    const rollup::Rollup rollup = rollup::ComputeRollup(runs, nodes, rollup_options);
    if (!options.textfile.empty()) {
      if (Status written = WriteOutput(options.textfile, report::RollupTextfile(rollup, budgets));
          !written.ok()) {
        return Fail(1, written.message());
      }
      if (!options.quiet) std::cout << "metrics: " << options.textfile << "\n";
    }
    if (!push_url.empty()) {
      if (Status pushed =
              report::PushRollupMetrics(push_url, rollup, budgets, std::chrono::seconds(10));
          !pushed.ok()) {
        return Fail(1, pushed.message());
      }
      if (!options.quiet) {
        std::cout << "metrics: pushed to " << push_url << " (job " << report::kRollupPushJob << ", "
                  << report::MetricPipelines(rollup, budgets).size() << " pipeline group(s))\n";
      }
    }
  }
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<ReportCliOptions>();
  auto* cmd = root.add_subcommand(
      "report",
      "Charts of the run history in one self-contained HTML file, and the rollup metrics for\n"
      "Prometheus (node_exporter textfile or Pushgateway)");
  cmd->footer(
      "The page (no network needed to view it) has, per pipeline: energy per node per run\n"
      "(stacked bars), gCO2e per run with the budget line (--budget), J/record over time with\n"
      "its baseline band (mean +- 1 sample sd of the same basis's runs in the 7 days before),\n"
      "and the share of measured vs modelled joules. Modelled figures are hatched/hollow and\n"
      "labelled. With no runs in the window the page says so (exit 0).\n"
      "\n"
      "Prometheus: --textfile writes the rollup gauges (kfm_node_energy_joules,\n"
      "kfm_run_co2e_grams, kfm_baseline_joules_per_record, kfm_budget_co2e_grams_per_run, ...)\n"
      "atomically for node_exporter's textfile collector; --push PUTs them to a Pushgateway,\n"
      "one group per pipeline (job kfm-energy-rollup). dashboards/ has the Grafana dashboard.\n"
      "Given only --textfile/--push, no HTML is written unless --out is given too.\n"
      "\n"
      "Examples:\n"
      "  kfm-energy report                                   # ./energy.html, last 30 days\n"
      "  kfm-energy report --out energy.html --window 14d --pipeline nightly --budget "
      "budgets.yaml\n"
      "  kfm-energy report --textfile /var/lib/prometheus/node-exporter/kfm-energy.prom\n"
      "  kfm-energy report --push http://pushgateway:9091 --budget budgets.yaml\n"
      "  KFM_PUSHGATEWAY_URL=http://pushgateway:9091 kfm-energy report --push --out energy.html\n"
      "\n"
      "Reads $KFM_HOME/history.sqlite (default ./kfm-data). Exit codes: 0 written; 1 a file\n"
      "could not be written or the Pushgateway refused; 2 bad usage or bad input (a budget\n"
      "file error names file:line:column and the field).");
  auto* out = cmd->add_option("--out,-o", options->out, "HTML file to write (default energy.html)")
                  ->type_name("FILE");
  cmd->add_option("--window", options->window,
                  "Runs started within this long before now: <n>s|m|h|d|w (default 30d)")
      ->type_name("DURATION");
  cmd->add_option("--pipeline", options->pipeline, "Only this pipeline (kfm.pipeline)")
      ->type_name("NAME");
  cmd->add_option("--budget", options->budget,
                  "Budget file (budgets: {<pipeline>: {gco2e_per_run: X, ...}}): the budget "
                  "lines and kfm_budget_* gauges")
      ->type_name("FILE");
  cmd->add_option("--history", options->history,
                  "History file to read (default $KFM_HOME/history.sqlite)")
      ->type_name("FILE");
  cmd->add_option("--textfile", options->textfile,
                  "Write the rollup metrics in Prometheus text format (node_exporter textfile "
                  "collector; name it *.prom)")
      ->type_name("FILE");
  auto* push = cmd->add_option("--push", options->push,
                               "Push the rollup metrics to this Pushgateway (no URL: "
                               "KFM_PUSHGATEWAY_URL)")
                   ->type_name("URL")
                   ->expected(0, 1);
  cmd->add_option("--max-runs", options->max_runs,
                  "Draw at most this many of the newest runs per pipeline (default 60)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet,-q", options->quiet, "Print nothing on success");
  cmd->callback([options, out, push, &exit_code] {
    options->out_given = out->count() > 0;
    options->push_given = push->count() > 0;
    exit_code = RunReport(*options);
  });
}

}  // namespace kfm::cli
