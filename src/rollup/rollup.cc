#include "rollup/rollup.h"

#include <algorithm>
#include <ctime>
#include <sstream>
#include <tuple>

#include "pipeline/node_record.h"

namespace kfm::rollup {
namespace {

using nlohmann::json;

constexpr std::int64_t kNanosPerDayInt = 86400 * kNanosPerSecond;

bool InRange(std::int64_t t, std::int64_t since, std::int64_t until) {
  return t >= since && t < until;
}

std::string BaselineName(int days) { return std::to_string(days) + "d"; }

std::string UtcDate(std::int64_t day_index) {
  const std::time_t t = static_cast<std::time_t>(day_index * 86400);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::int64_t DayIndex(std::int64_t unix_nano) {
  return unix_nano >= 0 ? unix_nano / kNanosPerDayInt
                        : (unix_nano - kNanosPerDayInt + 1) / kNanosPerDayInt;
}

// Collects one series per baseline window.
class BaselineSeries {
 public:
  void Add(std::int64_t t, std::int64_t until, std::optional<double> value) {
    if (!value) return;
    for (std::size_t i = 0; i < kBaselineDays.size(); ++i) {
      if (InRange(t, until - kBaselineDays[i] * kNanosPerDayInt, until)) {
        series_[i].push_back({t, *value});
      }
    }
  }
  [[nodiscard]] Baselines Summaries() const {
    Baselines out;
    for (std::size_t i = 0; i < kBaselineDays.size(); ++i) {
      out[BaselineName(kBaselineDays[i])] = Summarize(series_[i]);
    }
    return out;
  }

 private:
  std::array<std::vector<TimePoint>, kBaselineDays.size()> series_;
};

std::optional<double> MeanOf(const std::vector<double>& values) { return Mean(values); }

json SummaryJson(const Summary& s) {
  json out = {{"count", s.count}};
  auto put = [&](const char* key, const std::optional<double>& v) {
    if (v) out[key] = *v;
  };
  put("mean", s.mean);
  put("median", s.median);
  put("p90", s.p90);
  put("stddev", s.stddev);
  put("min", s.min);
  put("max", s.max);
  if (s.trend) out["trend_per_day"] = s.trend->slope_per_day;
  return out;
}

json BaselinesJson(const Baselines& baselines) {
  json out = json::object();
  for (const auto& [name, summary] : baselines) out[name] = SummaryJson(summary);
  return out;
}

void PutOptional(json& out, const char* key, const std::optional<double>& v) {
  if (v) out[key] = *v;
}

}  // namespace

std::int64_t RollupLookbackStart(const RollupOptions& options) {
  const int longest = *std::max_element(kBaselineDays.begin(), kBaselineDays.end());
  return std::min(options.since_unix_nano, options.until_unix_nano - longest * kNanosPerDayInt);
}

Rollup ComputeRollup(const std::vector<store::RunRecord>& runs,
                     const std::vector<store::NodeRecord>& nodes, const RollupOptions& options) {
  Rollup rollup;
  rollup.options = options;
  const std::int64_t since = options.since_unix_nano;
  const std::int64_t until = options.until_unix_nano;
  auto wanted = [&](const std::string& pipeline) {
    return options.pipeline.empty() || pipeline == options.pipeline;
  };

  // ---- per node ----
  using NodeKey = std::tuple<std::string, std::string, Basis>;
  std::map<NodeKey, NodeRollup> node_rows;
  std::map<NodeKey, std::set<std::string>> node_runs;
  std::map<NodeKey, std::array<BaselineSeries, 3>> node_series;
  std::map<std::pair<std::string, std::string>, CarbonTableUse> tables;
  for (const auto& node : nodes) {
    if (!wanted(node.pipeline)) continue;
    const NodeKey key{node.pipeline, node.node, NodeBasis(node)};
    if (node.ok) {
      auto& series = node_series[key];
      series[0].Add(node.end_unix_nano, until, node.total_j);
      series[1].Add(node.end_unix_nano, until, NodeJPerRecord(node));
      series[2].Add(node.end_unix_nano, until, NodeGco2ePerRecord(node));
    }
    if (!InRange(node.end_unix_nano, since, until)) continue;
    (node.modelled ? rollup.modelled_nodes : rollup.measured_nodes)++;
    NodeRollup& row = node_rows[key];
    row.pipeline = node.pipeline;
    row.node = node.node;
    row.basis = NodeBasis(node);
    row.methods.insert(MethodLabel(node));
    row.executions++;
    if (!node.ok) row.failed++;
    node_runs[key].insert(node.run_id);
    row.total_j += node.total_j;
    row.gco2e += node.gco2e;
    if (node.records_out && *node.records_out > 0) {
      row.records_out += *node.records_out;
      row.j_with_records += node.total_j;
      row.gco2e_with_records += node.gco2e;
    }
    if (node.bytes_out && *node.bytes_out > 0) {
      row.bytes_out += *node.bytes_out;
      row.j_with_bytes += node.total_j;
    }
    if (!node.carbon_table_id.empty()) {
      CarbonTableUse& use = tables[{node.carbon_table_id, node.carbon_table_version}];
      use.table_id = node.carbon_table_id;
      use.table_version = node.carbon_table_version;
      if (!node.carbon_region.empty()) use.regions.insert(node.carbon_region);
      if (!node.carbon_resolution.empty()) use.resolutions.insert(node.carbon_resolution);
      use.executions++;
    }
  }
  for (auto& [key, row] : node_rows) {
    row.runs = static_cast<std::int64_t>(node_runs[key].size());
    if (row.records_out > 0) {
      row.j_per_record = row.j_with_records / static_cast<double>(row.records_out);
      row.gco2e_per_record = row.gco2e_with_records / static_cast<double>(row.records_out);
    }
    if (row.bytes_out > 0)
      row.j_per_mb = row.j_with_bytes / (static_cast<double>(row.bytes_out) / 1e6);
    const auto& series = node_series[key];
    row.baseline_total_j = series[0].Summaries();
    row.baseline_j_per_record = series[1].Summaries();
    row.baseline_gco2e_per_record = series[2].Summaries();
    rollup.nodes.push_back(std::move(row));
  }
  for (auto& [key, use] : tables) rollup.carbon_tables.push_back(std::move(use));

  // ---- per run and per pipeline ----
  std::vector<store::RunRecord> selected;
  for (const auto& run : runs) {
    if (wanted(run.pipeline)) selected.push_back(run);
  }
  const std::vector<RunFigures> joined = JoinRuns(selected, nodes);
  using PipelineKey = std::pair<std::string, Basis>;
  std::map<PipelineKey, PipelineRollup> pipeline_rows;
  std::map<PipelineKey, std::array<BaselineSeries, 4>> pipeline_series;
  std::map<PipelineKey, std::vector<const RunFigures*>> pipeline_ok_runs;  // for daily series
  for (const RunFigures& figures : joined) {
    const store::RunRecord& run = figures.run;
    const PipelineKey key{run.pipeline, figures.basis()};
    if (run.ok) {
      auto& series = pipeline_series[key];
      series[0].Add(run.start_unix_nano, until, run.gco2e);
      series[1].Add(run.start_unix_nano, until, run.total_j);
      series[2].Add(run.start_unix_nano, until, figures.JPerRecord());
      series[3].Add(run.start_unix_nano, until, figures.Gco2ePerRecord());
      if (run.start_unix_nano < until) pipeline_ok_runs[key].push_back(&figures);
    }
    if (!InRange(run.start_unix_nano, since, until)) continue;
    (run.modelled ? rollup.modelled_runs : rollup.measured_runs)++;
    RunRollup row;
    row.run_id = run.run_id;
    row.pipeline = run.pipeline;
    row.pipeline_kind = run.pipeline_kind;
    row.start_unix_nano = run.start_unix_nano;
    row.end_unix_nano = run.end_unix_nano;
    row.ok = run.ok;
    row.basis = figures.basis();
    row.node_count = run.node_count;
    row.total_j = run.total_j;
    row.gco2e = run.gco2e;
    row.records_out = figures.records;
    row.j_per_record = figures.JPerRecord();
    row.gco2e_per_record = figures.Gco2ePerRecord();
    rollup.runs.push_back(std::move(row));

    PipelineRollup& p = pipeline_rows[key];
    p.pipeline = run.pipeline;
    p.basis = figures.basis();
    p.runs++;
    if (!run.ok) p.failed_runs++;
    p.total_j += run.total_j;
    p.gco2e += run.gco2e;
  }
  for (auto& [key, p] : pipeline_rows) {
    const auto& series = pipeline_series[key];
    p.gco2e_per_run = series[0].Summaries();
    p.j_per_run = series[1].Summaries();
    p.j_per_record = series[2].Summaries();
    p.gco2e_per_record = series[3].Summaries();
    // Daily series over the window's days that have successful runs.
    const auto& ok_runs = pipeline_ok_runs[key];
    std::map<std::int64_t, std::vector<const RunFigures*>> by_day;
    for (const RunFigures* f : ok_runs) {
      if (InRange(f->run.start_unix_nano, since, until)) {
        by_day[DayIndex(f->run.start_unix_nano)].push_back(f);
      }
    }
    for (const auto& [day, day_runs] : by_day) {
      DailyPoint point;
      point.date = UtcDate(day);
      point.runs = static_cast<std::int64_t>(day_runs.size());
      std::vector<double> gco2e, jpr;
      for (const RunFigures* f : day_runs) {
        gco2e.push_back(f->run.gco2e);
        if (auto v = f->JPerRecord()) jpr.push_back(*v);
      }
      point.gco2e_per_run = *MeanOf(gco2e);
      point.j_per_record = MeanOf(jpr);
      const std::int64_t day_end = std::min((day + 1) * kNanosPerDayInt, until);
      for (int days : kBaselineDays) {
        std::vector<double> g, j;
        for (const RunFigures* f : ok_runs) {
          if (!InRange(f->run.start_unix_nano, day_end - days * kNanosPerDayInt, day_end)) continue;
          g.push_back(f->run.gco2e);
          if (auto v = f->JPerRecord()) j.push_back(*v);
        }
        (days == 7 ? point.rolling_7d_gco2e_per_run : point.rolling_30d_gco2e_per_run) = MeanOf(g);
        (days == 7 ? point.rolling_7d_j_per_record : point.rolling_30d_j_per_record) = MeanOf(j);
      }
      p.daily.push_back(std::move(point));
    }
    rollup.pipelines.push_back(std::move(p));
  }
  return rollup;
}

json RollupToJson(const Rollup& rollup) {
  const RollupOptions& o = rollup.options;
  json doc;
  doc["schema"] = "kfm.energy-rollup.v1";
  doc["generated_at"] = pipeline::FormatUtc(o.until_unix_nano);
  doc["kfm_energy_version"] = o.version;
  doc["release"] = o.release;
  doc["kind"] = o.kind;
  doc["window"] = {{"length", o.window},
                   {"start", pipeline::FormatUtc(o.since_unix_nano)},
                   {"end", pipeline::FormatUtc(o.until_unix_nano)}};
  if (!o.pipeline.empty()) doc["pipeline_filter"] = o.pipeline;
  json baselines = json::array();
  for (int days : kBaselineDays) baselines.push_back(BaselineName(days));
  doc["baseline_windows"] = baselines;
  doc["counts"] = {
      {"node_executions",
       {{"measured", rollup.measured_nodes}, {"modelled", rollup.modelled_nodes}}},
      {"runs", {{"measured", rollup.measured_runs}, {"modelled", rollup.modelled_runs}}}};
  json nodes = json::array();
  for (const NodeRollup& n : rollup.nodes) {
    json row = {{"pipeline", n.pipeline},
                {"node", n.node},
                {"basis", BasisName(n.basis)},
                {"methods", n.methods},
                {"executions", n.executions},
                {"runs", n.runs},
                {"failed", n.failed},
                {"total_j", n.total_j},
                {"gco2e", n.gco2e},
                {"records_out", n.records_out},
                {"bytes_out", n.bytes_out}};
    PutOptional(row, "j_per_record", n.j_per_record);
    PutOptional(row, "j_per_mb", n.j_per_mb);
    PutOptional(row, "gco2e_per_record", n.gco2e_per_record);
    row["baselines"] = {{"total_j", BaselinesJson(n.baseline_total_j)},
                        {"j_per_record", BaselinesJson(n.baseline_j_per_record)},
                        {"gco2e_per_record", BaselinesJson(n.baseline_gco2e_per_record)}};
    nodes.push_back(std::move(row));
  }
  doc["nodes"] = std::move(nodes);
  json runs = json::array();
  for (const RunRollup& r : rollup.runs) {
    json row = {{"run_id", r.run_id},
                {"pipeline", r.pipeline},
                {"pipeline_kind", r.pipeline_kind},
                {"start_time", pipeline::FormatUtc(r.start_unix_nano)},
                {"end_time", pipeline::FormatUtc(r.end_unix_nano)},
                {"ok", r.ok},
                {"basis", BasisName(r.basis)},
                {"node_count", r.node_count},
                {"total_j", r.total_j},
                {"gco2e", r.gco2e}};
    if (r.records_out) row["records_out"] = *r.records_out;
    PutOptional(row, "j_per_record", r.j_per_record);
    PutOptional(row, "gco2e_per_record", r.gco2e_per_record);
    runs.push_back(std::move(row));
  }
  doc["runs"] = std::move(runs);
  json pipelines = json::array();
  for (const PipelineRollup& p : rollup.pipelines) {
    json daily = json::array();
    for (const DailyPoint& d : p.daily) {
      json point = {{"date", d.date}, {"runs", d.runs}, {"gco2e_per_run", d.gco2e_per_run}};
      PutOptional(point, "j_per_record", d.j_per_record);
      PutOptional(point, "rolling_7d_gco2e_per_run", d.rolling_7d_gco2e_per_run);
      PutOptional(point, "rolling_30d_gco2e_per_run", d.rolling_30d_gco2e_per_run);
      PutOptional(point, "rolling_7d_j_per_record", d.rolling_7d_j_per_record);
      PutOptional(point, "rolling_30d_j_per_record", d.rolling_30d_j_per_record);
      daily.push_back(std::move(point));
    }
    pipelines.push_back({{"pipeline", p.pipeline},
                         {"basis", BasisName(p.basis)},
                         {"runs", p.runs},
                         {"failed_runs", p.failed_runs},
                         {"total_j", p.total_j},
                         {"gco2e", p.gco2e},
                         {"baselines",
                          {{"gco2e_per_run", BaselinesJson(p.gco2e_per_run)},
                           {"j_per_run", BaselinesJson(p.j_per_run)},
                           {"j_per_record", BaselinesJson(p.j_per_record)},
                           {"gco2e_per_record", BaselinesJson(p.gco2e_per_record)}}},
                         {"daily", std::move(daily)}});
  }
  doc["pipelines"] = std::move(pipelines);
  json tables = json::array();
  for (const CarbonTableUse& t : rollup.carbon_tables) {
    tables.push_back({{"table_id", t.table_id},
                      {"table_version", t.table_version},
                      {"regions", t.regions},
                      {"resolutions", t.resolutions},
                      {"node_executions", t.executions}});
  }
  doc["carbon_tables"] = std::move(tables);
  return doc;
}

std::string FormatRollupSummary(const Rollup& rollup) {
  using pipeline::FormatSignificant;
  std::ostringstream out;
  const RollupOptions& o = rollup.options;
  out << "rollup " << o.window << " (" << pipeline::FormatUtc(o.since_unix_nano) << " .. "
      << pipeline::FormatUtc(o.until_unix_nano) << ")"
      << (o.pipeline.empty() ? "" : ", pipeline " + o.pipeline) << "\n";
  if (rollup.runs.empty() && rollup.nodes.empty()) {
    out << "no runs in the history for this window: the rollup is empty. Runs are recorded by "
           "`kfm-energy run`, `pipeline run` and `ingest`.\n";
    return out.str();
  }
  out << "runs: " << rollup.measured_runs << " measured, " << rollup.modelled_runs
      << " modelled; node executions: " << rollup.measured_nodes << " measured, "
      << rollup.modelled_nodes << " modelled\n";
  out << "\nper pipeline (baselines over successful runs; measured and modelled kept apart):\n";
  for (const PipelineRollup& p : rollup.pipelines) {
    out << "  " << p.pipeline << " [" << BasisName(p.basis) << "]: " << p.runs << " runs, "
        << FormatSignificant(p.total_j) << " J, " << FormatSignificant(p.gco2e) << " gCO2e\n";
    for (int days : kBaselineDays) {
      const Summary& s = p.gco2e_per_run.at(BaselineName(days));
      out << "    gCO2e/run " << days << "d: ";
      if (!s.mean) {
        out << "no runs\n";
        continue;
      }
      out << "mean " << FormatSignificant(*s.mean) << ", median " << FormatSignificant(*s.median)
          << ", p90 " << FormatSignificant(*s.p90) << " (" << s.count << " runs)";
      if (s.trend && s.trend->span_days >= kMinTrendSpanDays)
        out << ", trend " << FormatSignificant(s.trend->slope_per_day) << "/day";
      out << "\n";
    }
  }
  out << "\nper node:\n";
  for (const NodeRollup& n : rollup.nodes) {
    out << "  " << n.pipeline << "/" << n.node << " [" << BasisName(n.basis)
        << "]: " << n.executions << " executions in " << n.runs << " runs, "
        << FormatSignificant(n.total_j) << " J, " << FormatSignificant(n.gco2e) << " gCO2e";
    if (n.j_per_record) out << ", " << FormatSignificant(*n.j_per_record) << " J/record";
    if (n.j_per_mb) out << ", " << FormatSignificant(*n.j_per_mb) << " J/MB";
    out << "\n";
  }
  return out.str();
}

}  // namespace kfm::rollup
