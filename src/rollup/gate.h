// `kfm-energy gate`: the CI regression gate. Compares one run (the newest, or a given one) with
// a baseline window of earlier runs of the same pipeline, for the run as a whole and for each
// of its nodes, and decides per figure whether it regressed. Noise-aware: a figure regresses
// only when it is above BOTH the threshold over the baseline median AND the baseline's own
// spread (its p90 and mean + k standard deviations). Measured and modelled figures are never
// compared: a baseline holds only executions with the candidate's basis (and, for nodes, the
// same energy method). EvaluateGate is a pure function; thread-safe. Rule in full:
// docs/explanations/baselines-and-gates.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "rollup/figures.h"
#include "rollup/stats.h"
#include "rollup/waivers.h"
#include "store/records.h"

namespace kfm::rollup {

enum class GateMetric { kGco2ePerRecord, kJPerRecord, kGco2ePerNode };
std::string_view GateMetricName(GateMetric metric);
std::string_view GateMetricUnit(GateMetric metric);  // "gCO2e/record", "J/record", "gCO2e/node"
std::optional<GateMetric> ParseGateMetric(std::string_view name);

struct GateOptions {
  GateMetric metric = GateMetric::kGco2ePerRecord;
  std::int64_t baseline_ns = 14LL * 86400 * 1'000'000'000;  // window before the candidate run
  double threshold = 0.10;                                  // fraction over the baseline median
  double k = 2.0;                                           // standard deviations of spread
  int min_runs = 5;                // fewer baseline values than this: too little history
  std::string run_id;              // empty = the newest run
  std::string pipeline;            // narrows "the newest run"; must match a given run
  std::int64_t now_unix_nano = 0;  // for waiver expiry
};

enum class Verdict {
  kWithin,               // not a regression
  kRegression,           // above the limit, not waived
  kWaived,               // above the limit, covered by a waiver
  kInsufficientHistory,  // fewer than min_runs baseline values
  kNoFigure,             // the candidate has no value for this metric (e.g. no records)
};
std::string_view VerdictName(Verdict verdict);

struct Comparison {
  std::string pipeline;
  std::string node;  // empty: the run as a whole
  Basis basis = Basis::kMeasured;
  std::string method;  // MethodLabel for nodes, "" for the run
  std::optional<double> candidate;
  Summary baseline;              // over the comparable baseline values
  std::optional<double> limit;   // max(median * (1 + threshold), p90, mean + k * stddev)
  std::optional<double> change;  // candidate / median - 1
  Verdict verdict = Verdict::kWithin;
  std::string waiver;  // reason and where, when waived
};

struct GateResult {
  GateOptions options;
  store::RunRecord candidate;
  Basis basis = Basis::kMeasured;
  std::int64_t baseline_since_unix_nano = 0;
  std::size_t baseline_runs = 0;        // comparable runs (same pipeline and basis, successful)
  std::size_t other_basis_runs = 0;     // runs in the window left out for their basis
  std::vector<Comparison> comparisons;  // the run first, then its nodes by start time
  std::vector<std::string> notes;       // expired waivers, left-out runs
  [[nodiscard]] bool regression() const;
  [[nodiscard]] bool too_little_history() const;  // no comparison had enough baseline values
};

// NotFound when the history has no run (of --pipeline) or not the given run id;
// InvalidArgument when the given run is not of the given pipeline.
Result<GateResult> EvaluateGate(const std::vector<store::RunRecord>& runs,
                                const std::vector<store::NodeRecord>& nodes,
                                const GateOptions& options, const WaiverFile& waivers);

// For a terminal: one line per figure and a verdict.
std::string FormatGateReport(const GateResult& result);
// For a pull-request comment (GitHub-flavoured Markdown): a heading with the verdict, a table.
std::string FormatGateMarkdown(const GateResult& result);

}  // namespace kfm::rollup
