// The budget file read by `kfm-energy slo` (and drawn as the budget line by the report): per
// pipeline (kfm.pipeline) targets for gCO2e and joules per run or per record.
//
//   # budgets.yaml
//   budgets:
//     nightly:                # pipeline name (kfm.pipeline)
//       gco2e_per_run: 5.0    # any of: gco2e_per_run, j_per_run, gco2e_per_record, j_per_record
//
// Loading is a pure function of the file's bytes; the types are plain values, thread-safe to
// copy and read. See docs/reference/slo.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::rollup {

enum class BudgetMetric { kGco2ePerRun, kJPerRun, kGco2ePerRecord, kJPerRecord };

// "gco2e_per_run", "j_per_run", "gco2e_per_record", "j_per_record".
std::string_view BudgetMetricName(BudgetMetric metric);
std::optional<BudgetMetric> ParseBudgetMetric(std::string_view name);
// "gCO2e", "J", "gCO2e/record", "J/record".
std::string_view BudgetMetricUnit(BudgetMetric metric);

struct BudgetTarget {
  BudgetMetric metric = BudgetMetric::kGco2ePerRun;
  double limit = 0;  // the run is within budget when its figure is <= limit
  int line = 0;      // 1-based line of the target in the file, for messages
};

struct PipelineBudget {
  std::string pipeline;
  std::vector<BudgetTarget> targets;  // in file order, at least one
  int line = 0;
};

struct BudgetFile {
  std::string path;                       // as given, for messages
  std::vector<PipelineBudget> pipelines;  // in file order
};

// Reads and checks a budget file. Unknown keys, values that are not plain non-negative numbers,
// a pipeline without targets or a missing `budgets` map are InvalidArgument
// "<file>:<line>:<column>: <field>: <what>"; an unreadable file is NotFound / IoError.
Result<BudgetFile> LoadBudgetFile(const std::filesystem::path& path);

// The same from text already read; `path` names it in messages.
Result<BudgetFile> ParseBudgetFile(std::string_view yaml, const std::filesystem::path& path);

}  // namespace kfm::rollup
