#include "report/html_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "../rollup/history_builder.h"

namespace kfm::report {
namespace {

using rollup::test_history::HistoryBuilder;
using rollup::test_history::kDay;
using rollup::test_history::kT0;

const std::string kHostile = "<script>alert(1)</script>";

// Six nightly runs a day apart (the fifth modelled), one run of another pipeline.
HistoryBuilder SampleHistory() {
  HistoryBuilder h;
  for (int day = 0; day < 6; ++day) {
    const bool modelled = day == 4;
    const double scale = 1.0 + 0.1 * day;
    h.AddRun("nightly", "run-" + std::to_string(day), kT0 + day * kDay,
             {{"hrrr_ingest", 10.0 * scale, 0.002 * scale, 700 + day, -1, modelled},
              {kHostile, 3.0 * scale, 0.0006 * scale, -1, -1, modelled},
              {"usgs_gauges", day == 2 ? 0.0 : 1.5, 0.0003, 13, -1, modelled}});
  }
  h.AddRun("other", "other-1", kT0 + kDay / 2, {{"solo", 2.0, 0.0001, 4}});
  return h;
}

ReportOptions Options() {
  ReportOptions options;
  options.since_unix_nano = kT0 - 1;
  options.until_unix_nano = kT0 + 30 * kDay;
  options.window = "30d";
  options.history = "/tmp/history.sqlite";
  options.version = "test";
  return options;
}

// The <svg> element of chart `id` in `html`.
std::string ChartSvg(const std::string& html, const std::string& id) {
  const std::size_t at = html.find("data-chart=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const std::size_t start = html.rfind("<svg", at);
  return html.substr(start, html.find("</svg>", at) + 6 - start);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

int DataMarks(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("data-marks=\"([0-9]+)\""))) return -1;
  return std::stoi(m[1]);
}

TEST(HtmlReport, OneSectionPerPipelineWithEachChartsMarks) {
  const HistoryBuilder h = SampleHistory();
  const auto sections = BuildSections(h.runs, h.nodes, Options());
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].pipeline, "nightly");
  EXPECT_EQ(sections[1].pipeline, "other");
  const std::string html = RenderReportHtml(sections, Options());

  // Expected marks, counted from the records themselves.
  int segments = 0;
  for (const auto& n : h.nodes) segments += n.pipeline == "nightly" && n.total_j > 0 ? 1 : 0;
  int runs = 0;
  for (const auto& r : h.runs) runs += r.pipeline == "nightly" ? 1 : 0;

  const std::string energy = ChartSvg(html, "p0-energy-per-node");
  const std::string carbon = ChartSvg(html, "p0-gco2e-per-run");
  const std::string per_record = ChartSvg(html, "p0-j-per-record");
  const std::string share = ChartSvg(html, "p0-measured-vs-modelled");
  EXPECT_EQ(Count(energy, "class=\"mark\""), segments);
  EXPECT_EQ(DataMarks(energy), segments);
  EXPECT_EQ(Count(carbon, "class=\"mark\""), runs);
  EXPECT_EQ(Count(per_record, "class=\"mark\""), runs) << "every nightly run reported records";
  EXPECT_EQ(Count(share, "class=\"mark\""), 2) << "measured and modelled both present";
  EXPECT_EQ(Count(ChartSvg(html, "p1-energy-per-node"), "class=\"mark\""), 1);
}

TEST(HtmlReport, HostileNodeNamesAreEscapedEverywhere) {
  const HistoryBuilder h = SampleHistory();
  const std::string html = RenderReportHtml(BuildSections(h.runs, h.nodes, Options()), Options());
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(Count(html, "<script"), 1) << "only the page's own script";
  EXPECT_EQ(Count(html, "</script>"), 1);
}

TEST(HtmlReport, NeedsNothingFromTheNetwork) {
  const HistoryBuilder h = SampleHistory();
  const std::string html = RenderReportHtml(BuildSections(h.runs, h.nodes, Options()), Options());
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(html.find("url(http"), std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  int urls = 0;
  for (std::size_t at = html.find("http"); at != std::string::npos;
       at = html.find("http", at + 1)) {
    if (html.compare(at, 5, "http:") != 0 && html.compare(at, 6, "https:") != 0) continue;
    ++urls;
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(at, 60);
  }
  EXPECT_EQ(urls, Count(html, "<svg "));
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
}

TEST(HtmlReport, BaselineBandIsMeanPlusMinusSdOfTheSameBasisInTheWeekBefore) {
  const HistoryBuilder h = SampleHistory();
  const auto sections = BuildSections(h.runs, h.nodes, Options());
  const auto& chart = sections[0].j_per_record;
  ASSERT_EQ(chart.series.size(), 2u);
  EXPECT_FALSE(chart.series[0].modelled);
  EXPECT_TRUE(chart.series[1].modelled);
  // Measured J/record per run, recomputed from the nodes: run joules over reported records.
  std::vector<std::pair<std::int64_t, double>> measured;
  for (const auto& run : h.runs) {
    if (run.pipeline != "nightly" || run.modelled) continue;
    std::int64_t records = 0;
    for (const auto& n : h.nodes) {
      if (n.run_id == run.run_id && n.records_out) records += *n.records_out;
    }
    measured.emplace_back(run.start_unix_nano, run.total_j / static_cast<double>(records));
  }
  const auto& series = chart.series[0];
  ASSERT_EQ(series.points.size(), measured.size());
  std::size_t bands = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    EXPECT_NEAR(series.points[i].value, measured[i].second, 1e-12);
    std::vector<double> before;
    for (std::size_t j = 0; j < i; ++j) {
      if (measured[j].first >= measured[i].first - kBandDays * kDay) {
        before.push_back(measured[j].second);
      }
    }
    if (before.size() < 2) continue;
    double mean = 0;
    for (double v : before) mean += v / static_cast<double>(before.size());
    double ss = 0;
    for (double v : before) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / static_cast<double>(before.size() - 1));
    ASSERT_LT(bands, series.band.size());
    const BandPoint& b = series.band[bands++];
    EXPECT_EQ(b.unix_nano, measured[i].first);
    EXPECT_NEAR(b.mid, mean, 1e-12);
    EXPECT_NEAR(b.lo, mean - sd, 1e-12);
    EXPECT_NEAR(b.hi, mean + sd, 1e-12);
  }
  EXPECT_EQ(bands, series.band.size());
  EXPECT_GE(bands, 2u);
  EXPECT_TRUE(chart.series[1].band.empty()) << "one modelled run: no spread to draw";
}

TEST(HtmlReport, BudgetLineAndModelledLabels) {
  const HistoryBuilder h = SampleHistory();
  ReportOptions options = Options();
  auto budgets =
      rollup::ParseBudgetFile("budgets:\n  nightly:\n    gco2e_per_run: 0.004\n", "budgets.yaml");
  ASSERT_TRUE(budgets.ok()) << budgets.status().message();
  options.budgets = *budgets;
  const auto sections = BuildSections(h.runs, h.nodes, options);
  const std::string html = RenderReportHtml(sections, options);
  const std::string carbon = ChartSvg(html, "p0-gco2e-per-run");
  EXPECT_NE(carbon.find("class=\"reference\""), std::string::npos);
  EXPECT_NE(carbon.find("budget 0.004 gCO2e/run"), std::string::npos);
  EXPECT_EQ(ChartSvg(html, "p1-gco2e-per-run").find("class=\"reference\""), std::string::npos)
      << "no budget for the other pipeline";
  // The newest run: 0.0009 + 0.003 + 0.0003 = 0.0042 > 0.004.
  EXPECT_NE(html.find("over budget"), std::string::npos);

  // The modelled run's bars are hatched and its label and tooltips say so.
  const std::string energy = ChartSvg(html, "p0-energy-per-node");
  EXPECT_EQ(Count(energy, "(M)</text>"), 1);
  EXPECT_EQ(Count(energy, "(modelled)"), 2 * 3) << "title and data-tip of 3 segments";
  EXPECT_GT(Count(energy, "url(#p0-energy-per-node-hatch)"), 3);
  double modelled_j = 0;
  for (const auto& n : h.nodes) modelled_j += n.pipeline == "nightly" && n.modelled ? n.total_j : 0;
  const auto& share = sections[0].measured_vs_modelled;
  ASSERT_EQ(share.parts.size(), 2u);
  EXPECT_NEAR(share.parts[1].value, modelled_j, 1e-12);
  EXPECT_TRUE(share.parts[1].modelled);
}

TEST(HtmlReport, WindowAndMaxRunsLimitWhatIsDrawn) {
  const HistoryBuilder h = SampleHistory();
  ReportOptions options = Options();
  options.since_unix_nano = kT0 + 2 * kDay;  // runs 2..5 of nightly; "other" falls outside
  options.max_runs = 3;
  const auto sections = BuildSections(h.runs, h.nodes, options);
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].runs.size(), 4u);
  EXPECT_EQ(sections[0].drawn_runs, 3u);
  EXPECT_EQ(sections[0].gco2e_per_run.categories.size(), 3u);
  // Runs before the window still feed the band of the first drawn run (run 3: runs 0..2).
  EXPECT_FALSE(sections[0].j_per_record.series[0].band.empty());
  options.pipeline = "other";
  options.since_unix_nano = kT0 - 1;
  EXPECT_EQ(BuildSections(h.runs, h.nodes, options).size(), 1u);
}

TEST(HtmlReport, EmptyHistoryIsAPageThatSaysSo) {
  const std::string html = RenderReportHtml({}, Options());
  EXPECT_NE(html.find("No runs in the history"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace kfm::report
