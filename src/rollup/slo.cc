#include "rollup/slo.h"

#include <algorithm>
#include <sstream>

#include "pipeline/node_record.h"
#include "rollup/stats.h"

namespace kfm::rollup {

std::optional<double> BudgetValue(BudgetMetric metric, const RunFigures& run) {
  switch (metric) {
    case BudgetMetric::kGco2ePerRun:
      return run.run.gco2e;
    case BudgetMetric::kJPerRun:
      return run.run.total_j;
    case BudgetMetric::kGco2ePerRecord:
      return run.Gco2ePerRecord();
    case BudgetMetric::kJPerRecord:
      return run.JPerRecord();
  }
  return std::nullopt;
}

bool SloResult::exceeded() const {
  return std::any_of(pipelines.begin(), pipelines.end(), [](const SloPipeline& p) {
    return std::any_of(p.checks.begin(), p.checks.end(),
                       [](const SloCheck& c) { return c.exceeded; });
  });
}

Result<SloResult> EvaluateSlo(const BudgetFile& budget, const std::vector<store::RunRecord>& runs,
                              const std::vector<store::NodeRecord>& nodes,
                              const SloOptions& options) {
  const std::vector<RunFigures> joined = JoinRuns(runs, nodes);
  SloResult result;
  result.options = options;
  result.budget_path = budget.path;
  const RunFigures* given = nullptr;
  if (!options.run_id.empty()) {
    for (const RunFigures& f : joined) {
      if (f.run.run_id == options.run_id) given = &f;
    }
    if (given == nullptr)
      return Status::NotFound("run " + options.run_id + " is not in the history");
    const bool budgeted =
        std::any_of(budget.pipelines.begin(), budget.pipelines.end(),
                    [&](const auto& p) { return p.pipeline == given->run.pipeline; });
    if (!budgeted) {
      result.notes.push_back("run " + options.run_id + " is of pipeline " + given->run.pipeline +
                             ", which " + budget.path + " has no budget for");
    }
  }
  for (const PipelineBudget& pb : budget.pipelines) {
    if (given != nullptr && given->run.pipeline != pb.pipeline) continue;
    SloPipeline p;
    p.pipeline = pb.pipeline;
    std::vector<const RunFigures*> in_window;
    for (const RunFigures& f : joined) {
      if (f.run.pipeline != pb.pipeline) continue;
      if (f.run.start_unix_nano < options.since_unix_nano ||
          f.run.start_unix_nano >= options.until_unix_nano) {
        continue;
      }
      in_window.push_back(&f);
    }
    const RunFigures* chosen = given;
    if (chosen == nullptr && !in_window.empty()) chosen = in_window.back();  // newest
    if (chosen != nullptr) p.run = *chosen;
    for (const BudgetTarget& target : pb.targets) {
      SloCheck check;
      check.target = target;
      if (chosen != nullptr) {
        check.actual = BudgetValue(target.metric, *chosen);
        check.exceeded = check.actual && *check.actual > target.limit;
        std::vector<double> values;
        for (const RunFigures* f : in_window) {
          if (!f->run.ok || f->basis() != chosen->basis()) continue;
          if (auto v = BudgetValue(target.metric, *f)) values.push_back(*v);
        }
        check.window_mean = Mean(values);
        check.window_runs = values.size();
      }
      p.checks.push_back(check);
    }
    result.pipelines.push_back(std::move(p));
  }
  return result;
}

std::string FormatSloReport(const SloResult& r) {
  using pipeline::FormatSignificant;
  std::ostringstream out;
  out << "budget " << r.budget_path << "\n";
  for (const SloPipeline& p : r.pipelines) {
    if (!p.run) {
      out << "  " << p.pipeline << ": no run in the window; nothing to check\n";
      continue;
    }
    const RunFigures& run = *p.run;
    out << "  " << p.pipeline << ": run " << run.run.run_id << " (started "
        << pipeline::FormatUtc(run.run.start_unix_nano) << ", " << BasisName(run.basis())
        << (run.run.ok ? "" : ", FAILED") << ")\n";
    for (const SloCheck& c : p.checks) {
      const std::string_view unit = BudgetMetricUnit(c.target.metric);
      out << "    "
          << (c.exceeded ? "EXCEEDED"
              : c.actual ? "within  "
                         : "unknown ")
          << " " << BudgetMetricName(c.target.metric) << ": ";
      if (c.actual) {
        out << FormatSignificant(*c.actual) << " " << unit << " vs budget "
            << FormatSignificant(c.target.limit) << " " << unit << " ("
            << FormatSignificant(c.target.limit > 0 ? *c.actual / c.target.limit * 100 : 0)
            << "% of budget)";
      } else {
        out << "the run reported no records; budget " << FormatSignificant(c.target.limit) << " "
            << unit << " cannot be checked";
      }
      if (c.window_mean) {
        out << "; window mean " << FormatSignificant(*c.window_mean) << " over " << c.window_runs
            << " " << BasisName(run.basis()) << " run(s)";
      }
      out << "\n";
    }
  }
  for (const std::string& note : r.notes) out << "note: " << note << "\n";
  out << (r.exceeded() ? "result: budget EXCEEDED\n" : "result: within budget\n");
  return out.str();
}

}  // namespace kfm::rollup
