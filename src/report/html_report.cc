#include "report/html_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "report/svg.h"
#include "rollup/stats.h"

namespace kfm::report {
namespace {

// RunFigures::nodes holds records or pointers to them, depending on the rollup area's version.
[[maybe_unused]] const store::NodeRecord& Deref(const store::NodeRecord& node) { return node; }
[[maybe_unused]] const store::NodeRecord& Deref(const store::NodeRecord* node) { return *node; }

std::optional<double> BudgetFor(const ReportOptions& options, const std::string& pipeline,
                                rollup::BudgetMetric metric) {
  if (!options.budgets) return std::nullopt;
  for (const auto& budget : options.budgets->pipelines) {
    if (budget.pipeline != pipeline) continue;
    for (const auto& target : budget.targets) {
      if (target.metric == metric) return target.limit;
    }
  }
  return std::nullopt;
}

// The x labels of runs: "MM-DD HH:MM", or "HH:MM:SS" when two runs would share a label.
std::vector<std::string> RunLabels(const std::vector<const rollup::RunFigures*>& drawn) {
  std::vector<std::string> labels;
  std::set<std::string> seen;
  bool clash = false;
  for (const auto* figures : drawn) {
    labels.push_back(ShortUtc(figures->run.start_unix_nano));
    clash = clash || !seen.insert(labels.back()).second;
  }
  if (clash) {
    for (std::size_t i = 0; i < drawn.size(); ++i) {
      labels[i] = ClockUtc(drawn[i]->run.start_unix_nano);
    }
  }
  return labels;
}

std::string RunHead(const rollup::RunFigures& figures) {
  return "run " + figures.run.run_id + "\n" + LongUtc(figures.run.start_unix_nano);
}

// Series id for a chart: lower-case letters, digits and '-' only (never user data).
std::string ChartId(std::size_t section, const char* chart) {
  return "p" + std::to_string(section) + "-" + chart;
}

StackedBarChart EnergyChart(const std::vector<const rollup::RunFigures*>& drawn,
                            std::size_t section) {
  StackedBarChart chart;
  chart.frame = {ChartId(section, "energy-per-node"), "Energy per node per run", "J"};
  std::map<std::string, std::size_t> index;
  for (const auto* figures : drawn) {
    for (const auto& entry : figures->nodes) {
      const store::NodeRecord& node = Deref(entry);
      if (index.emplace(node.node, chart.series.size()).second) chart.series.push_back(node.node);
    }
  }
  chart.categories = RunLabels(drawn);
  for (const auto* figures : drawn) {
    std::vector<double> row(chart.series.size(), 0.0);
    for (const auto& entry : figures->nodes) {
      row[index[Deref(entry).node]] += Deref(entry).total_j;
    }
    chart.values.push_back(std::move(row));
    chart.modelled.push_back(figures->run.modelled);
    chart.category_tooltips.push_back(RunHead(*figures));
  }
  return chart;
}

StackedBarChart CarbonChart(const std::vector<const rollup::RunFigures*>& drawn,
                            std::size_t section, std::optional<double> budget) {
  StackedBarChart chart;
  chart.frame = {ChartId(section, "gco2e-per-run"), "gCO2e per run", "gCO2e"};
  chart.series = {"gCO2e per run"};
  chart.categories = RunLabels(drawn);
  for (const auto* figures : drawn) {
    chart.values.push_back({figures->run.gco2e});
    chart.modelled.push_back(figures->run.modelled);
    chart.category_tooltips.push_back(RunHead(*figures));
  }
  if (budget)
    chart.reference = ReferenceLine{*budget, "budget " + FormatFigure(*budget, 4) + " gCO2e/run"};
  return chart;
}

TimeSeriesChart JPerRecordChart(const std::vector<rollup::RunFigures>& history,
                                const std::vector<const rollup::RunFigures*>& drawn,
                                std::size_t section, std::optional<double> budget) {
  TimeSeriesChart chart;
  chart.frame = {ChartId(section, "j-per-record"), "J per record over time", "J/record"};
  chart.band_label = "baseline: mean \u00b1 1 sd, previous " + std::to_string(kBandDays) + " d";
  for (const rollup::Basis basis : {rollup::Basis::kMeasured, rollup::Basis::kModelled}) {
    TimeSeries series;
    series.name = std::string(rollup::BasisName(basis)) + " J/record";
    series.modelled = basis == rollup::Basis::kModelled;
    for (const auto* figures : drawn) {
      if (figures->basis() != basis) continue;
      const auto value = figures->JPerRecord();
      if (!value) continue;
      const std::int64_t start = figures->run.start_unix_nano;
      series.points.push_back({start, *value,
                               RunHead(*figures) + "\n" + FormatFigure(*value, 4) + " J/record, " +
                                   std::to_string(figures->records.value_or(0)) + " records"});
      // The band: earlier runs of the same basis within kBandDays before this one.
      std::vector<double> before;
      for (const auto& other : history) {
        const std::int64_t t = other.run.start_unix_nano;
        if (other.basis() != basis || t >= start || t < start - kBandDays * kNanosPerDayInt) {
          continue;
        }
        if (const auto v = other.JPerRecord()) before.push_back(*v);
      }
      const auto mean = rollup::Mean(before);
      const auto sd = rollup::StdDev(before);
      if (mean && sd) series.band.push_back({start, *mean - *sd, *mean, *mean + *sd});
    }
    if (!series.points.empty()) chart.series.push_back(std::move(series));
  }
  if (budget) {
    chart.reference = ReferenceLine{*budget, "budget " + FormatFigure(*budget, 4) + " J/record"};
  }
  return chart;
}

ShareChart ShareOf(const std::vector<const rollup::RunFigures*>& drawn, std::size_t section) {
  ShareChart chart;
  chart.frame = {ChartId(section, "measured-vs-modelled"),
                 "Share of joules measured vs modelled (node executions)", "J"};
  chart.unit = "J";
  double joules[2] = {0, 0};
  int executions[2] = {0, 0};
  for (const auto* figures : drawn) {
    for (const auto& entry : figures->nodes) {
      const store::NodeRecord& node = Deref(entry);
      const int i = node.modelled ? 1 : 0;
      joules[i] += node.total_j;
      ++executions[i];
    }
  }
  const char* labels[2] = {"measured", "modelled"};
  for (int i = 0; i < 2; ++i) {
    chart.parts.push_back({labels[i], joules[i], i == 1,
                           std::string(labels[i]) + ": " + FormatFigure(joules[i], 4) + " J in " +
                               std::to_string(executions[i]) + " node executions"});
  }
  return chart;
}

std::string Row(const std::string& name, const std::string& value) {
  return "<tr><th scope=\"row\">" + EscapeXml(name) + "</th><td>" + value + "</td></tr>";
}

std::string SummaryTable(const PipelineSection& section) {
  int modelled = 0;
  int failed = 0;
  double joules = 0;
  double gco2e = 0;
  for (const auto& figures : section.runs) {
    modelled += figures.run.modelled ? 1 : 0;
    failed += figures.run.ok ? 0 : 1;
    joules += figures.run.total_j;
    gco2e += figures.run.gco2e;
  }
  const int total = static_cast<int>(section.runs.size());
  std::string html = "<table class=\"summary\"><tbody>";
  html += Row("runs in the window",
              std::to_string(total) + " (" + std::to_string(total - modelled) + " measured, " +
                  std::to_string(modelled) + " <span class=\"modelled\">modelled</span>; " +
                  std::to_string(failed) + " failed)");
  if (section.drawn_runs < section.runs.size()) {
    html += Row("drawn", "the newest " + std::to_string(section.drawn_runs));
  }
  html += Row("energy, all runs", EscapeXml(FormatFigure(joules, 4)) + " J");
  html += Row("carbon, all runs", EscapeXml(FormatFigure(gco2e, 4)) + " gCO2e");
  if (!section.runs.empty()) {
    const auto& latest = section.runs.back();
    std::string text = EscapeXml(latest.run.run_id) + ": " +
                       EscapeXml(FormatFigure(latest.run.gco2e, 4)) + " gCO2e, " +
                       EscapeXml(FormatFigure(latest.run.total_j, 4)) + " J" +
                       (latest.run.modelled ? " <span class=\"modelled\">(modelled)</span>" : "");
    if (section.budget_gco2e_per_run) {
      const bool over = latest.run.gco2e > *section.budget_gco2e_per_run;
      text += over ? " <span class=\"over\">over budget</span>"
                   : " <span class=\"within\">within budget</span>";
    }
    html += Row("latest run", text);
  }
  html += Row("budget",
              section.budget_gco2e_per_run
                  ? EscapeXml(FormatFigure(*section.budget_gco2e_per_run, 4)) + " gCO2e per run"
                  : std::string("none given (--budget FILE)"));
  return html + "</tbody></table>";
}

std::string Figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + "<figcaption>" + caption + "</figcaption></figure>";
}

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
header{background:#143d59;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header p{margin:2px 0;font-size:13px;opacity:.9}
main{padding:8px 28px 28px;max-width:1640px}
section.pipeline{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:18px 0;padding:12px 18px}
section.pipeline h2{margin:6px 0 10px;font-size:18px}
.charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:0;border:1px solid #eceef1;border-radius:4px;padding:6px;background:#fff}
figcaption{font-size:12px;color:#555;width:690px;padding:2px 4px 4px}
svg.chart{display:block;font-family:inherit}
svg .mark:hover{opacity:.8;stroke:#000;stroke-width:1}
table.summary{border-collapse:collapse;font-size:13px;margin-bottom:10px}
table.summary th{text-align:left;font-weight:500;color:#555;padding:2px 14px 2px 0}
.modelled{color:#a35a00;font-weight:600}
.over{color:#c0392b;font-weight:700}
.within{color:#1e7d32;font-weight:600}
.empty{background:#fff;border:1px dashed #aab;padding:24px;border-radius:6px;font-size:15px}
#tip{position:absolute;background:#222;color:#fff;font-size:12px;padding:5px 8px;border-radius:4px;white-space:pre;pointer-events:none}
footer{font-size:12px;color:#555;padding:0 28px 24px;max-width:1200px}
)css";

// Optional: a nicer tooltip than the native <title> one. The charts do not need it.
constexpr const char* kScript = R"js(
(function () {
  var tip = document.getElementById('tip');
  document.querySelectorAll('svg.chart [data-tip] > title').forEach(function (t) { t.remove(); });
  document.addEventListener('mousemove', function (e) {
    var mark = e.target.closest ? e.target.closest('[data-tip]') : null;
    if (!mark) { tip.hidden = true; return; }
    tip.textContent = mark.getAttribute('data-tip');
    tip.hidden = false;
    tip.style.left = (e.pageX + 12) + 'px';
    tip.style.top = (e.pageY + 12) + 'px';
  });
})();
)js";

}  // namespace

std::vector<PipelineSection> BuildSections(const std::vector<store::RunRecord>& runs,
                                           const std::vector<store::NodeRecord>& nodes,
                                           const ReportOptions& options) {
  std::map<std::string, std::vector<store::RunRecord>> by_pipeline;
  for (const auto& run : runs) {
    if (!options.pipeline.empty() && run.pipeline != options.pipeline) continue;
    by_pipeline[run.pipeline].push_back(run);
  }
  std::vector<PipelineSection> sections;
  for (const auto& [pipeline, pipeline_runs] : by_pipeline) {
    std::vector<rollup::RunFigures> history = rollup::JoinRuns(pipeline_runs, nodes);
    PipelineSection section;
    section.pipeline = pipeline;
    for (auto& figures : history) {
      const std::int64_t t = figures.run.start_unix_nano;
      if (t >= options.since_unix_nano && t < options.until_unix_nano) {
        // The nodes move (the band below reads only runs and records): no second copy.
        section.runs.push_back(
            {figures.run, std::move(figures.nodes), figures.records, figures.bytes});
      }
    }
    if (section.runs.empty()) continue;
    const std::size_t index = sections.size();
    section.drawn_runs = std::min(section.runs.size(), std::max<std::size_t>(1, options.max_runs));
    std::vector<const rollup::RunFigures*> drawn;
    for (std::size_t i = section.runs.size() - section.drawn_runs; i < section.runs.size(); ++i) {
      drawn.push_back(&section.runs[i]);
    }
    section.budget_gco2e_per_run = BudgetFor(options, pipeline, rollup::BudgetMetric::kGco2ePerRun);
    section.budget_j_per_record = BudgetFor(options, pipeline, rollup::BudgetMetric::kJPerRecord);
    section.energy_per_node = EnergyChart(drawn, index);
    section.gco2e_per_run = CarbonChart(drawn, index, section.budget_gco2e_per_run);
    section.j_per_record = JPerRecordChart(history, drawn, index, section.budget_j_per_record);
    section.measured_vs_modelled = ShareOf(drawn, index);
    sections.push_back(std::move(section));
  }
  return sections;
}

std::string RenderReportHtml(const std::vector<PipelineSection>& sections,
                             const ReportOptions& options) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"generator\" content=\"kfm-energy " +
      EscapeXml(options.version) + "\"><title>kfm-energy report</title><style>" + kStyle +
      "</style></head><body>";
  html += "<header><h1>Energy and carbon of pipeline runs</h1><p>Window " +
          EscapeXml(options.window) + ": runs started from " +
          EscapeXml(LongUtc(options.since_unix_nano)) + " to " +
          EscapeXml(LongUtc(options.until_unix_nano)) +
          (options.pipeline.empty() ? std::string() : ", pipeline " + EscapeXml(options.pipeline)) +
          ".</p><p>History " + EscapeXml(options.history) + "; generated by kfm-energy " +
          EscapeXml(options.version) +
          (options.budgets ? "; budgets " + EscapeXml(options.budgets->path) : std::string()) +
          ".</p></header><main>";
  if (sections.empty()) {
    html +=
        "<p class=\"empty\" id=\"empty\">No runs in the history in this window. Record some with "
        "<code>kfm-energy pipeline run FILE</code> or <code>kfm-energy run --node NAME -- "
        "COMMAND</code>, or bring span files in with <code>kfm-energy ingest FILE</code>, then "
        "run <code>kfm-energy report</code> again.</p>";
  }
  for (const auto& section : sections) {
    html += "<section class=\"pipeline\" data-pipeline=\"" + EscapeXml(section.pipeline) +
            "\"><h2>Pipeline " +
            EscapeXml(section.pipeline.empty() ? "(unnamed)" : section.pipeline) + "</h2>" +
            SummaryTable(section) + "<div class=\"charts\">";
    html += Figure(RenderSvg(section.energy_per_node),
                   "Joules attributed to each node (energy.total_j), stacked per run; hatched "
                   "bars and runs marked (M) are <span class=\"modelled\">modelled</span>.");
    html += Figure(
        RenderSvg(section.gco2e_per_run),
        "Grams of CO2e per run (sum of the nodes' carbon.gco2e)" +
            std::string(section.budget_gco2e_per_run ? ", dashed line: the budget (gco2e_per_run)."
                                                     : "; no budget given."));
    html += Figure(RenderSvg(section.j_per_record),
                   "Run joules per record reported; the band is the mean \u00b1 one sample "
                   "standard deviation of the same basis's runs in the " +
                       std::to_string(kBandDays) +
                       " days before each run (dashed: the mean). Measured (filled circles) and "
                       "<span class=\"modelled\">modelled</span> (hollow squares) are separate "
                       "series, never compared.");
    html += Figure(RenderSvg(section.measured_vs_modelled),
                   "Joules of the drawn runs' node executions by how they were obtained: "
                   "measured (RAPL, NVML) or <span class=\"modelled\">modelled</span> "
                   "(energy.modelled).");
    html += "</div></section>";
  }
  html +=
      "</main><footer><p>Modelled figures come from kfm-energy's energy model where a machine "
      "has no energy counters (energy.cpu_method model-*); they are estimates, labelled "
      "wherever they appear. Times are UTC. This page loads nothing from the network.</p>"
      "</footer><div id=\"tip\" hidden></div><script>" +
      std::string(kScript) + "</script></body></html>\n";
  return html;
}

}  // namespace kfm::report
