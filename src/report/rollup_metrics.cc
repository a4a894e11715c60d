#include "report/rollup_metrics.h"

#include <algorithm>
#include <map>
#include <set>

#include "otel/http_call.h"
#include "otel/pushgateway.h"
#include "otel/redact.h"
#include "rollup/stats.h"

namespace kfm::report {
namespace {

using otel::Attributes;
using otel::MetricData;

struct Family {
  const char* name;
  const char* help;
};

// The single list of families: names, help texts and output order.
constexpr Family kFamilies[] = {
    {"kfm_node_energy_joules", "Joules attributed to the node over the rollup window"},
    {"kfm_node_executions", "Node spans in the rollup window"},
    {"kfm_node_joules_per_record", "Node joules per record over the window"},
    {"kfm_node_joules_per_megabyte", "Node joules per MB written over the window"},
    {"kfm_node_co2e_grams", "Node grams of CO2e over the rollup window"},
    {"kfm_node_co2e_grams_per_record", "Node grams of CO2e per record over the window"},
    {"kfm_run_energy_joules", "Joules of the newest run in the window"},
    {"kfm_run_co2e_grams", "Grams of CO2e of the newest run in the window"},
    {"kfm_run_joules_per_record", "Joules per record of the newest run in the window"},
    {"kfm_run_co2e_grams_per_record", "Grams of CO2e per record of the newest run"},
    {"kfm_run_records", "Records reported by the newest run in the window"},
    {"kfm_run_start_timestamp_seconds", "Start of the newest run in the window, Unix seconds"},
    {"kfm_run_info", "The newest run in the window (value 1; its id as a label)"},
    {"kfm_pipeline_runs", "Runs of the pipeline in the rollup window"},
    {"kfm_pipeline_failed_runs", "Failed runs of the pipeline in the rollup window"},
    {"kfm_pipeline_energy_joules", "Joules of all runs of the pipeline in the window"},
    {"kfm_pipeline_co2e_grams", "Grams of CO2e of all runs of the pipeline in the window"},
    {"kfm_baseline_runs", "Runs in the baseline"},
    {"kfm_baseline_co2e_grams_per_run", "Baseline of grams of CO2e per run (stat label)"},
    {"kfm_baseline_joules_per_run", "Baseline of joules per run (stat label)"},
    {"kfm_baseline_joules_per_record", "Baseline of joules per record (stat label)"},
    {"kfm_baseline_co2e_grams_per_record", "Baseline of grams of CO2e per record (stat label)"},
    {"kfm_baseline_co2e_grams_per_run_trend_per_day",
     "Least-squares trend of grams of CO2e per run, per day"},
    {"kfm_baseline_joules_per_record_trend_per_day",
     "Least-squares trend of joules per record, per day"},
    {"kfm_budget_co2e_grams_per_run", "Budget: grams of CO2e per run (budget file)"},
    {"kfm_budget_joules_per_run", "Budget: joules per run (budget file)"},
    {"kfm_budget_co2e_grams_per_record", "Budget: grams of CO2e per record (budget file)"},
    {"kfm_budget_joules_per_record", "Budget: joules per record (budget file)"},
    {"kfm_rollup_window_seconds", "Length of the rollup window"},
    {"kfm_rollup_end_timestamp_seconds", "End of the rollup window (when it was computed)"},
};

class Builder {
 public:
  Builder() {
    for (const auto& family : kFamilies) {
      MetricData data;
      data.name = family.name;
      data.description = family.help;
      data.kind = MetricData::Kind::kGauge;
      index_[family.name] = metrics_.size();
      metrics_.push_back(std::move(data));
    }
  }
  void Add(const std::string& name, Attributes attributes, double value) {
    metrics_.at(index_.at(name)).points.push_back({std::move(attributes), 0, 0, value});
  }
  void AddOptional(const std::string& name, const Attributes& attributes,
                   const std::optional<double>& value) {
    if (value) Add(name, attributes, *value);
  }
  std::vector<MetricData> Take() {
    std::vector<MetricData> out;
    for (auto& metric : metrics_) {
      if (!metric.points.empty()) out.push_back(std::move(metric));
    }
    return out;
  }

 private:
  std::vector<MetricData> metrics_;
  std::map<std::string, std::size_t> index_;
};

Attributes PipelineLabels(const std::string& pipeline, rollup::Basis basis) {
  return {{"kfm_pipeline", pipeline}, {"energy_basis", std::string(rollup::BasisName(basis))}};
}

void AddBaselines(Builder& out, const std::string& name, const Attributes& labels,
                  const rollup::Baselines& baselines, const char* trend_name) {
  for (const auto& [window, summary] : baselines) {
    Attributes base = labels;
    base.emplace_back("baseline", window);
    const std::pair<const char*, const std::optional<double>*> stats[] = {
        {"mean", &summary.mean},     {"median", &summary.median}, {"p90", &summary.p90},
        {"stddev", &summary.stddev}, {"min", &summary.min},       {"max", &summary.max}};
    for (const auto& [stat, value] : stats) {
      Attributes with_stat = base;
      with_stat.emplace_back("stat", std::string(stat));
      out.AddOptional(name, with_stat, *value);
    }
    if (trend_name != nullptr && summary.trend) {
      out.Add(trend_name, base, summary.trend->slope_per_day);
    }
  }
}

}  // namespace

const std::vector<std::string>& RollupMetricNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& family : kFamilies) out.emplace_back(family.name);
    return out;
  }();
  return names;
}

std::vector<std::string> MetricPipelines(const rollup::Rollup& rollup,
                                         const std::optional<rollup::BudgetFile>& budgets) {
  std::set<std::string> pipelines;
  for (const auto& p : rollup.pipelines) pipelines.insert(p.pipeline);
  for (const auto& n : rollup.nodes) pipelines.insert(n.pipeline);
  if (budgets) {
    for (const auto& b : budgets->pipelines) {
      if (rollup.options.pipeline.empty() || b.pipeline == rollup.options.pipeline) {
        pipelines.insert(b.pipeline);
      }
    }
  }
  return {pipelines.begin(), pipelines.end()};
}

std::vector<MetricData> RollupMetrics(const rollup::Rollup& rollup,
                                      const std::optional<rollup::BudgetFile>& budgets,
                                      const std::string& only_pipeline) {
  Builder out;
  auto wanted = [&](const std::string& pipeline) {
    if (!only_pipeline.empty() && pipeline != only_pipeline) return false;
    return rollup.options.pipeline.empty() || pipeline == rollup.options.pipeline;
  };
  for (const auto& node : rollup.nodes) {
    if (!wanted(node.pipeline)) continue;
    Attributes labels = PipelineLabels(node.pipeline, node.basis);
    labels.insert(labels.begin() + 1, {"kfm_node", node.node});
    out.Add("kfm_node_energy_joules", labels, node.total_j);
    out.Add("kfm_node_executions", labels, static_cast<double>(node.executions));
    out.AddOptional("kfm_node_joules_per_record", labels, node.j_per_record);
    out.AddOptional("kfm_node_joules_per_megabyte", labels, node.j_per_mb);
    out.Add("kfm_node_co2e_grams", labels, node.gco2e);
    out.AddOptional("kfm_node_co2e_grams_per_record", labels, node.gco2e_per_record);
  }
  // The newest run per pipeline and basis (runs are oldest first).
  std::map<std::pair<std::string, rollup::Basis>, const rollup::RunRollup*> newest;
  for (const auto& run : rollup.runs) {
    if (!wanted(run.pipeline)) continue;
    auto& slot = newest[{run.pipeline, run.basis}];
    if (slot == nullptr || run.start_unix_nano >= slot->start_unix_nano) slot = &run;
  }
  for (const auto& [key, run] : newest) {
    const Attributes labels = PipelineLabels(key.first, key.second);
    out.Add("kfm_run_energy_joules", labels, run->total_j);
    out.Add("kfm_run_co2e_grams", labels, run->gco2e);
    out.AddOptional("kfm_run_joules_per_record", labels, run->j_per_record);
    out.AddOptional("kfm_run_co2e_grams_per_record", labels, run->gco2e_per_record);
    if (run->records_out) {
      out.Add("kfm_run_records", labels, static_cast<double>(*run->records_out));
    }
    out.Add("kfm_run_start_timestamp_seconds", labels,
            static_cast<double>(run->start_unix_nano) / 1e9);
    Attributes info = labels;
    info.emplace_back("kfm_run_id", run->run_id);
    out.Add("kfm_run_info", info, 1);
  }
  for (const auto& pipeline : rollup.pipelines) {
    if (!wanted(pipeline.pipeline)) continue;
    const Attributes labels = PipelineLabels(pipeline.pipeline, pipeline.basis);
    out.Add("kfm_pipeline_runs", labels, static_cast<double>(pipeline.runs));
    out.Add("kfm_pipeline_failed_runs", labels, static_cast<double>(pipeline.failed_runs));
    out.Add("kfm_pipeline_energy_joules", labels, pipeline.total_j);
    out.Add("kfm_pipeline_co2e_grams", labels, pipeline.gco2e);
    for (const auto& [window, summary] : pipeline.gco2e_per_run) {
      Attributes base = labels;
      base.emplace_back("baseline", window);
      out.Add("kfm_baseline_runs", base, static_cast<double>(summary.count));
    }
    AddBaselines(out, "kfm_baseline_co2e_grams_per_run", labels, pipeline.gco2e_per_run,
                 "kfm_baseline_co2e_grams_per_run_trend_per_day");
    AddBaselines(out, "kfm_baseline_joules_per_run", labels, pipeline.j_per_run, nullptr);
    AddBaselines(out, "kfm_baseline_joules_per_record", labels, pipeline.j_per_record,
                 "kfm_baseline_joules_per_record_trend_per_day");
    AddBaselines(out, "kfm_baseline_co2e_grams_per_record", labels, pipeline.gco2e_per_record,
                 nullptr);
  }
  if (budgets) {
    for (const auto& budget : budgets->pipelines) {
      if (!wanted(budget.pipeline)) continue;
      const Attributes labels = {{"kfm_pipeline", budget.pipeline}};
      for (const auto& target : budget.targets) {
        switch (target.metric) {
          case rollup::BudgetMetric::kGco2ePerRun:
            out.Add("kfm_budget_co2e_grams_per_run", labels, target.limit);
            break;
          case rollup::BudgetMetric::kJPerRun:
            out.Add("kfm_budget_joules_per_run", labels, target.limit);
            break;
          case rollup::BudgetMetric::kGco2ePerRecord:
            out.Add("kfm_budget_co2e_grams_per_record", labels, target.limit);
            break;
          case rollup::BudgetMetric::kJPerRecord:
            out.Add("kfm_budget_joules_per_record", labels, target.limit);
            break;
        }
      }
    }
  }
  out.Add(
      "kfm_rollup_window_seconds", {},
      static_cast<double>(rollup.options.until_unix_nano - rollup.options.since_unix_nano) / 1e9);
  out.Add("kfm_rollup_end_timestamp_seconds", {},
          static_cast<double>(rollup.options.until_unix_nano) / 1e9);
  return out.Take();
}

std::string RollupTextfile(const rollup::Rollup& rollup,
                           const std::optional<rollup::BudgetFile>& budgets) {
  return otel::PrometheusText(RollupMetrics(rollup, budgets), {});
}

std::string Base64Url(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v =
        static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

namespace {

Status Put(const std::string& target, const std::string& body, const std::string& what,
           std::chrono::milliseconds timeout) {
  otel::HttpRequest request;
  request.url = target;
  request.method = "PUT";
  request.body = body;
  request.headers = {"Content-Type: text/plain; version=0.0.4"};
  request.timeout = timeout;
  auto answer = otel::SendHttp(request, "Pushgateway " + what);
  if (!answer.ok()) return answer.status();
  if (answer->status < 200 || answer->status >= 300) {
    return Status::Unavailable("Pushgateway " + what + ": HTTP " + std::to_string(answer->status) +
                               ": " + answer->body.substr(0, 300));
  }
  return Status::Ok();
}

}  // namespace

Status PushRollupMetrics(const std::string& url, const rollup::Rollup& rollup,
                         const std::optional<rollup::BudgetFile>& budgets,
                         std::chrono::milliseconds timeout) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  for (const auto& pipeline : MetricPipelines(rollup, budgets)) {
    // base64url keeps any pipeline name (it is user data) a single path segment; an empty
    // value is "=" by the Pushgateway's rule.
    const std::string encoded = pipeline.empty() ? "=" : Base64Url(pipeline);
    const std::string target =
        base + "/metrics/job/" + kRollupPushJob + "/kfm_pipeline@base64/" + encoded;
    const std::string body =
        otel::PrometheusText(RollupMetrics(rollup, budgets, pipeline), {"kfm_pipeline"});
    if (Status status =
            Put(target, body, otel::RedactUrl(base) + " (pipeline '" + pipeline + "')", timeout);
        !status.ok()) {
      return status;
    }
  }
  return Status::Ok();
}

}  // namespace kfm::report
