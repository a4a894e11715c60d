// `kfm-energy report`: the run history as one self-contained HTML page (inline CSS and SVG, a
// small optional script, a Content-Security-Policy that forbids every network fetch), one
// section per pipeline with four charts: energy per node per run (stacked), gCO2e per run with
// the budget line, J/record over time with its baseline band, and the share of measured vs
// modelled joules. The baseline band of a run is the mean +- one sample standard deviation of
// J/record over the runs of the same pipeline and basis (measured or modelled, never mixed) in
// the kBandDays days before it. Pure functions of their arguments; thread-safe.
// See docs/reference/report.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/charts.h"
#include "rollup/budget.h"
#include "rollup/figures.h"
#include "store/records.h"

namespace kfm::report {

// Days of history before a run that its baseline band is computed from.
inline constexpr int kBandDays = 7;
inline constexpr std::int64_t kNanosPerDayInt = 86'400'000'000'000;

struct ReportOptions {
  std::int64_t since_unix_nano = 0;  // window start (inclusive), by run start time
  std::int64_t until_unix_nano = 0;  // window end (exclusive); also "generated at"
  std::string window;                // as given, e.g. "30d"
  std::string pipeline;              // only this pipeline; empty = all
  std::string history;               // where the records came from, shown on the page
  std::string version;               // kfm-energy version
  std::optional<rollup::BudgetFile> budgets;
  std::size_t max_runs = 60;  // newest runs drawn per pipeline; older ones are only counted
};

// One pipeline's section: its runs in the window and the charts drawn from them.
struct PipelineSection {
  std::string pipeline;
  std::vector<rollup::RunFigures> runs;  // in the window, oldest first (all, not only drawn)
  std::size_t drawn_runs = 0;            // the newest `drawn_runs` of `runs` are in the charts
  std::optional<double> budget_gco2e_per_run;
  std::optional<double> budget_j_per_record;
  StackedBarChart energy_per_node;
  StackedBarChart gco2e_per_run;
  TimeSeriesChart j_per_record;
  ShareChart measured_vs_modelled;
};

// The sections, by pipeline name. `runs` and `nodes` may hold more than the window (older runs
// feed the baseline bands; load from since - kBandDays). The sections' runs may point into
// `nodes`, which must outlive them.
std::vector<PipelineSection> BuildSections(const std::vector<store::RunRecord>& runs,
                                           const std::vector<store::NodeRecord>& nodes,
                                           const ReportOptions& options);

// The whole page. With no run in the window it says so (and how to record runs).
std::string RenderReportHtml(const std::vector<PipelineSection>& sections,
                             const ReportOptions& options);

}  // namespace kfm::report
