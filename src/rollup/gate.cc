#include "rollup/gate.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "pipeline/node_record.h"
#include "rollup/window.h"

namespace kfm::rollup {
namespace {

using pipeline::FormatSignificant;

std::optional<double> RunValue(GateMetric metric, const RunFigures& f) {
  switch (metric) {
    case GateMetric::kGco2ePerRecord:
      return f.Gco2ePerRecord();
    case GateMetric::kJPerRecord:
      return f.JPerRecord();
    case GateMetric::kGco2ePerNode:
      return f.Gco2ePerNode();
  }
  return std::nullopt;
}

std::optional<double> NodeValue(GateMetric metric, const store::NodeRecord& n) {
  switch (metric) {
    case GateMetric::kGco2ePerRecord:
      return NodeGco2ePerRecord(n);
    case GateMetric::kJPerRecord:
      return NodeJPerRecord(n);
    case GateMetric::kGco2ePerNode:
      return n.gco2e;
  }
  return std::nullopt;
}

bool WaiverCovers(const Waiver& w, std::string_view metric, const Comparison& c) {
  if (w.metric != metric) return false;
  if (!w.pipeline.empty() && w.pipeline != c.pipeline) return false;
  if (!w.node.empty() && w.node != c.node) return false;
  return true;
}

void Decide(Comparison& c, std::vector<TimePoint> series, const GateOptions& o,
            const WaiverFile& waivers, std::set<const Waiver*>& expired_noted,
            std::vector<std::string>& notes) {
  c.baseline = Summarize(series);
  if (!c.candidate) {
    c.verdict = Verdict::kNoFigure;
    return;
  }
  if (c.baseline.count < static_cast<std::size_t>(std::max(o.min_runs, 1))) {
    c.verdict = Verdict::kInsufficientHistory;
    return;
  }
  const double median = *c.baseline.median;
  double limit = median * (1 + o.threshold);
  limit = std::max(limit, *c.baseline.p90);
  limit = std::max(limit, *c.baseline.mean + o.k * c.baseline.stddev.value_or(0));
  c.limit = limit;
  if (median > 0) c.change = *c.candidate / median - 1;
  if (*c.candidate <= limit) {
    c.verdict = Verdict::kWithin;
    return;
  }
  const std::string_view metric = GateMetricName(o.metric);
  for (const Waiver& w : waivers.waivers) {
    if (!WaiverCovers(w, metric, c)) continue;
    if (o.now_unix_nano >= w.expires_end_unix_nano) {
      if (expired_noted.insert(&w).second) {
        notes.push_back("waiver at " + w.where + " (" + w.reason + ") expired on " + w.expires +
                        "; ignored");
      }
      continue;
    }
    c.verdict = Verdict::kWaived;
    c.waiver = w.reason + " (waiver at " + w.where + ", until " + w.expires + ")";
    return;
  }
  c.verdict = Verdict::kRegression;
}

std::string Figure(const std::optional<double>& v) { return v ? FormatSignificant(*v) : "-"; }

std::string Change(const std::optional<double>& change) {
  if (!change) return "-";
  std::ostringstream out;
  out << (*change >= 0 ? "+" : "") << pipeline::FormatFixed(*change * 100, 1) << "%";
  return out.str();
}

// A table cell: a '|' in a waiver reason would end the cell.
std::string Cell(std::string text) {
  for (std::size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) {
    text.replace(at, 1, "\\|");
  }
  return text;
}

std::string Scope(const Comparison& c) {
  return c.node.empty() ? "run (" + c.pipeline + ")" : c.node + " [" + c.method + "]";
}

}  // namespace

std::string_view GateMetricName(GateMetric metric) {
  switch (metric) {
    case GateMetric::kGco2ePerRecord:
      return "gco2e_per_record";
    case GateMetric::kJPerRecord:
      return "j_per_record";
    case GateMetric::kGco2ePerNode:
      return "gco2e_per_node";
  }
  return "?";
}

std::string_view GateMetricUnit(GateMetric metric) {
  switch (metric) {
    case GateMetric::kGco2ePerRecord:
      return "gCO2e/record";
    case GateMetric::kJPerRecord:
      return "J/record";
    case GateMetric::kGco2ePerNode:
      return "gCO2e/node";
  }
  return "";
}

std::optional<GateMetric> ParseGateMetric(std::string_view name) {
  for (GateMetric m :
       {GateMetric::kGco2ePerRecord, GateMetric::kJPerRecord, GateMetric::kGco2ePerNode}) {
    if (GateMetricName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kWithin:
      return "ok";
    case Verdict::kRegression:
      return "REGRESSION";
    case Verdict::kWaived:
      return "waived";
    case Verdict::kInsufficientHistory:
      return "too little history";
    case Verdict::kNoFigure:
      return "no figure";
  }
  return "?";
}

bool GateResult::regression() const {
  return std::any_of(comparisons.begin(), comparisons.end(),
                     [](const Comparison& c) { return c.verdict == Verdict::kRegression; });
}

bool GateResult::too_little_history() const {
  return std::none_of(comparisons.begin(), comparisons.end(), [](const Comparison& c) {
    return c.verdict == Verdict::kWithin || c.verdict == Verdict::kRegression ||
           c.verdict == Verdict::kWaived;
  });
}

Result<GateResult> EvaluateGate(const std::vector<store::RunRecord>& runs,
                                const std::vector<store::NodeRecord>& nodes,
                                const GateOptions& options, const WaiverFile& waivers) {
  const std::vector<RunFigures> joined = JoinRuns(runs, nodes);
  const RunFigures* candidate = nullptr;
  for (const RunFigures& f : joined) {
    if (!options.run_id.empty()) {
      if (f.run.run_id == options.run_id) candidate = &f;
    } else if (options.pipeline.empty() || f.run.pipeline == options.pipeline) {
      candidate = &f;  // joined is oldest first: the last match is the newest
    }
  }
  if (candidate == nullptr) {
    if (!options.run_id.empty()) {
      return Status::NotFound("run " + options.run_id + " is not in the history");
    }
    return Status::NotFound(options.pipeline.empty()
                                ? std::string("the history has no runs")
                                : "the history has no runs of pipeline " + options.pipeline);
  }
  if (!options.pipeline.empty() && candidate->run.pipeline != options.pipeline) {
    return Status::InvalidArgument("--run " + options.run_id + " is a run of pipeline " +
                                   candidate->run.pipeline + ", not " + options.pipeline);
  }
  GateResult result;
  result.options = options;
  result.candidate = candidate->run;
  result.basis = candidate->basis();
  const std::int64_t until = candidate->run.start_unix_nano;
  result.baseline_since_unix_nano = until - options.baseline_ns;
  const std::string& pipeline_name = candidate->run.pipeline;

  // Baseline runs: same pipeline, successful, started in [since, candidate start).
  std::vector<const RunFigures*> window;
  std::vector<TimePoint> run_series;
  for (const RunFigures& f : joined) {
    if (&f == candidate || f.run.pipeline != pipeline_name || !f.run.ok) continue;
    if (f.run.start_unix_nano < result.baseline_since_unix_nano || f.run.start_unix_nano >= until) {
      continue;
    }
    window.push_back(&f);
    if (f.basis() != result.basis) {
      result.other_basis_runs++;
      continue;
    }
    result.baseline_runs++;
    if (auto v = RunValue(options.metric, f)) run_series.push_back({f.run.start_unix_nano, *v});
  }
  if (result.other_basis_runs > 0) {
    result.notes.push_back(
        std::to_string(result.other_basis_runs) + " " +
        std::string(
            BasisName(result.basis == Basis::kMeasured ? Basis::kModelled : Basis::kMeasured)) +
        " run(s) in the baseline window left out: the candidate is " +
        std::string(BasisName(result.basis)) +
        ", and measured and modelled figures are never compared");
  }
  std::set<const Waiver*> expired_noted;
  Comparison run_cmp;
  run_cmp.pipeline = pipeline_name;
  run_cmp.basis = result.basis;
  run_cmp.candidate = RunValue(options.metric, *candidate);
  Decide(run_cmp, std::move(run_series), options, waivers, expired_noted, result.notes);
  result.comparisons.push_back(std::move(run_cmp));

  for (const store::NodeRecord& node : candidate->nodes) {
    Comparison c;
    c.pipeline = pipeline_name;
    c.node = node.node;
    c.basis = NodeBasis(node);
    c.method = MethodLabel(node);
    c.candidate = NodeValue(options.metric, node);
    std::vector<TimePoint> series;
    for (const RunFigures* f : window) {
      for (const store::NodeRecord& past : f->nodes) {
        if (past.node != node.node || !past.ok || NodeBasis(past) != c.basis ||
            MethodLabel(past) != c.method) {
          continue;
        }
        if (auto v = NodeValue(options.metric, past)) series.push_back({past.start_unix_nano, *v});
      }
    }
    Decide(c, std::move(series), options, waivers, expired_noted, result.notes);
    result.comparisons.push_back(std::move(c));
  }
  return result;
}

std::string FormatGateReport(const GateResult& r) {
  const GateOptions& o = r.options;
  std::ostringstream out;
  out << "gate " << GateMetricName(o.metric) << ": run " << r.candidate.run_id << " ("
      << r.candidate.pipeline << ", " << BasisName(r.basis) << ", started "
      << pipeline::FormatUtc(r.candidate.start_unix_nano) << ")\n";
  out << "baseline: " << r.baseline_runs << " successful " << BasisName(r.basis)
      << " run(s) in the " << FormatWindow(std::chrono::seconds(o.baseline_ns / 1'000'000'000))
      << " before it; limit = max(median x " << pipeline::FormatFixed(1 + o.threshold, 3)
      << ", p90, mean + " << FormatSignificant(o.k) << " stddev)\n";
  for (const Comparison& c : r.comparisons) {
    out << "  " << VerdictName(c.verdict) << "  " << Scope(c) << ": " << Figure(c.candidate) << " "
        << GateMetricUnit(o.metric);
    if (c.verdict == Verdict::kInsufficientHistory) {
      out << " (" << c.baseline.count << " comparable baseline value(s), need " << o.min_runs
          << ")";
    } else if (c.verdict != Verdict::kNoFigure) {
      out << " vs median " << Figure(c.baseline.median) << " (" << Change(c.change) << "), limit "
          << Figure(c.limit) << ", n=" << c.baseline.count;
    } else {
      out << " (the candidate has no " << GateMetricName(o.metric) << ")";
    }
    if (c.verdict == Verdict::kWaived) out << "; waived: " << c.waiver;
    out << "\n";
  }
  for (const std::string& note : r.notes) out << "note: " << note << "\n";
  if (r.regression()) {
    out << "result: REGRESSION in " << GateMetricName(o.metric) << "\n";
  } else if (r.too_little_history()) {
    out << "result: too little history to gate (need " << o.min_runs
        << " comparable baseline runs); not failing\n";
  } else {
    out << "result: no regression\n";
  }
  return out.str();
}

std::string FormatGateMarkdown(const GateResult& r) {
  const GateOptions& o = r.options;
  std::ostringstream out;
  const char* verdict = r.regression()           ? ":x: regression"
                        : r.too_little_history() ? ":grey_question: too little history"
                                                 : ":white_check_mark: no regression";
  out << "## Energy gate: " << verdict << "\n\n";
  out << "Metric `" << GateMetricName(o.metric) << "` for run `" << r.candidate.run_id
      << "` (pipeline `" << r.candidate.pipeline << "`, " << BasisName(r.basis) << ") against "
      << r.baseline_runs << " " << BasisName(r.basis) << " run(s) of the previous "
      << FormatWindow(std::chrono::seconds(o.baseline_ns / 1'000'000'000))
      << ". A figure regresses when it is above max(median × "
      << pipeline::FormatFixed(1 + o.threshold, 3) << ", p90, mean + " << FormatSignificant(o.k)
      << "σ) of its baseline.\n\n";
  out << "| figure | " << GateMetricUnit(o.metric)
      << " | baseline median | change | limit | n | verdict |\n";
  out << "|---|---:|---:|---:|---:|---:|---|\n";
  for (const Comparison& c : r.comparisons) {
    out << "| " << (c.node.empty() ? "run" : "`" + c.node + "`") << " | " << Figure(c.candidate)
        << " | " << Figure(c.baseline.median) << " | " << Change(c.change) << " | "
        << Figure(c.limit) << " | " << c.baseline.count << " | " << VerdictName(c.verdict);
    if (c.verdict == Verdict::kWaived) out << ": " << Cell(c.waiver);
    out << " |\n";
  }
  if (!r.notes.empty()) {
    out << "\n";
    for (const std::string& note : r.notes) out << "- " << note << "\n";
  }
  return out.str();
}

}  // namespace kfm::rollup
