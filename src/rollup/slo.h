// `kfm-energy slo`: checks each budgeted pipeline's newest run (or a given run) against the
// targets of a budget file (rollup/budget.h). A pure function of the history records and the
// budget; thread-safe. See docs/reference/slo.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "rollup/budget.h"
#include "rollup/figures.h"
#include "store/records.h"

namespace kfm::rollup {

struct SloOptions {
  std::int64_t since_unix_nano = 0;  // only runs started in [since, until)
  std::int64_t until_unix_nano = 0;
  std::string run_id;  // empty = each pipeline's newest run in the window
};

struct SloCheck {
  BudgetTarget target;
  std::optional<double> actual;       // none when the run cannot give it (no records)
  std::optional<double> window_mean;  // same figure over the window's runs of the same basis
  std::size_t window_runs = 0;
  bool exceeded = false;
};

struct SloPipeline {
  std::string pipeline;
  std::optional<RunFigures> run;  // none when the window has no run of it
  std::vector<SloCheck> checks;
};

struct SloResult {
  SloOptions options;
  std::string budget_path;
  std::vector<SloPipeline> pipelines;  // in budget file order
  std::vector<std::string> notes;
  [[nodiscard]] bool exceeded() const;
};

// The figure a budget metric names for one run (none for a per-record metric without records).
std::optional<double> BudgetValue(BudgetMetric metric, const RunFigures& run);

// NotFound when `options.run_id` is given and not in the history.
Result<SloResult> EvaluateSlo(const BudgetFile& budget, const std::vector<store::RunRecord>& runs,
                              const std::vector<store::NodeRecord>& nodes,
                              const SloOptions& options);

std::string FormatSloReport(const SloResult& result);

}  // namespace kfm::rollup
