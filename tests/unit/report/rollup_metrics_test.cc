#include "report/rollup_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "../rollup/history_builder.h"

namespace kfm::report {
namespace {

using rollup::test_history::HistoryBuilder;
using rollup::test_history::kDay;
using rollup::test_history::kT0;

constexpr std::int64_t kUntil = kT0 + 10 * kDay;

HistoryBuilder SampleHistory() {
  HistoryBuilder h;
  for (int day = 0; day < 10; ++day) {
    const bool modelled = day == 7;
    h.AddRun(
        "nightly", "run-" + std::to_string(day), kT0 + day * kDay,
        {{"hrrr_ingest", 10.0 + day, 0.002 + 0.0001 * day, 700 + 10 * day, 5'000'000, modelled},
         {"usgs_gauges", 1.5 + 0.05 * day, 0.0003, 13, -1, modelled}});
  }
  h.AddRun("weird \"name\"\\\n", "w-1", kT0 + 9 * kDay, {{"n", 2.0, 0.0001, 4}});
  return h;
}

rollup::Rollup SampleRollup(const HistoryBuilder& h, std::int64_t since = kT0 + 3 * kDay) {
  rollup::RollupOptions options;
  options.since_unix_nano = since;
  options.until_unix_nano = kUntil;
  options.window = "7d";
  return rollup::ComputeRollup(h.runs, h.nodes, options);
}

// Sample lines of a text exposition: "name{labels}" -> value; TYPE lines counted per name.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, int> types;
  std::set<std::string> sample_names;
};

Exposition Parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      EXPECT_EQ(type, "gauge") << line;
      out.types[name]++;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    out.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    out.sample_names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return out;
}

TEST(RollupMetrics, EveryFamilyIsDeclaredOnceAndNamedInTheList) {
  const HistoryBuilder h = SampleHistory();
  auto budgets = rollup::ParseBudgetFile(
      "budgets:\n  nightly:\n    gco2e_per_run: 0.01\n    j_per_record: 0.05\n", "b.yaml");
  ASSERT_TRUE(budgets.ok());
  const Exposition e = Parse(RollupTextfile(SampleRollup(h), *budgets));
  const auto& names = RollupMetricNames();
  for (const auto& [name, count] : e.types) {
    EXPECT_EQ(count, 1) << name;
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  for (const auto& name : e.sample_names) EXPECT_TRUE(e.types.contains(name)) << name;
  for (const char* expected :
       {"kfm_node_energy_joules", "kfm_node_joules_per_record", "kfm_run_co2e_grams",
        "kfm_baseline_joules_per_record", "kfm_budget_co2e_grams_per_run",
        "kfm_budget_joules_per_record", "kfm_node_joules_per_megabyte",
        "kfm_baseline_joules_per_record_trend_per_day"}) {
    EXPECT_TRUE(e.types.contains(expected)) << expected;
  }
  EXPECT_FALSE(e.types.contains("kfm_budget_joules_per_run")) << "not in the budget file";
}

TEST(RollupMetrics, FiguresMatchTheRecords) {
  const HistoryBuilder h = SampleHistory();
  const std::int64_t since = kT0 + 3 * kDay;
  const Exposition e = Parse(RollupTextfile(SampleRollup(h, since), std::nullopt));
  // Node energy: measured hrrr_ingest spans that ended in the window, summed here.
  double joules = 0;
  std::int64_t records = 0;
  for (const auto& n : h.nodes) {
    if (n.node != "hrrr_ingest" || n.modelled || n.end_unix_nano < since ||
        n.end_unix_nano >= kUntil)
      continue;
    joules += n.total_j;
    records += *n.records_out;
  }
  const std::string node =
      "{kfm_pipeline=\"nightly\",kfm_node=\"hrrr_ingest\",energy_basis=\"measured\"}";
  EXPECT_NEAR(e.samples.at("kfm_node_energy_joules" + node), joules, 1e-9);
  EXPECT_NEAR(e.samples.at("kfm_node_joules_per_record" + node),
              joules / static_cast<double>(records), 1e-12);
  // The newest measured nightly run is run-9; the newest modelled one run-7.
  const auto& run9 = h.runs[9];
  const auto& run7 = h.runs[7];
  const std::string measured = "{kfm_pipeline=\"nightly\",energy_basis=\"measured\"}";
  const std::string modelled = "{kfm_pipeline=\"nightly\",energy_basis=\"modelled\"}";
  EXPECT_NEAR(e.samples.at("kfm_run_co2e_grams" + measured), run9.gco2e, 1e-15);
  EXPECT_NEAR(e.samples.at("kfm_run_co2e_grams" + modelled), run7.gco2e, 1e-15);
  EXPECT_NEAR(e.samples.at("kfm_run_energy_joules" + measured), run9.total_j, 1e-12);
  EXPECT_EQ(e.samples.at(
                "kfm_run_info{kfm_pipeline=\"nightly\",energy_basis=\"measured\",kfm_run_id=\"run-"
                "9\"}"),
            1);
  // The 7-day baseline of measured J/record: ok runs started in [until - 7 d, until).
  std::vector<double> jpr;
  for (int day = 3; day < 10; ++day) {
    if (day == 7) continue;  // modelled
    const auto& run = h.runs[day];
    std::int64_t run_records = 0;
    for (const auto& n : h.nodes) {
      if (n.run_id == run.run_id) run_records += *n.records_out;
    }
    jpr.push_back(run.total_j / static_cast<double>(run_records));
  }
  double mean = 0;
  for (double v : jpr) mean += v / static_cast<double>(jpr.size());
  std::vector<double> sorted = jpr;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NEAR(e.samples.at("kfm_baseline_joules_per_record{kfm_pipeline=\"nightly\",energy_basis="
                           "\"measured\",baseline=\"7d\",stat=\"mean\"}"),
              mean, 1e-12);
  EXPECT_NEAR(e.samples.at("kfm_baseline_joules_per_record{kfm_pipeline=\"nightly\",energy_basis="
                           "\"measured\",baseline=\"7d\",stat=\"max\"}"),
              sorted.back(), 1e-12);
  EXPECT_EQ(e.samples.at("kfm_baseline_runs{kfm_pipeline=\"nightly\",energy_basis=\"measured\","
                         "baseline=\"7d\"}"),
            static_cast<double>(jpr.size()));
  EXPECT_NEAR(e.samples.at("kfm_rollup_end_timestamp_seconds"), static_cast<double>(kUntil) / 1e9,
              1e-3);
}

TEST(RollupMetrics, LabelValuesFromDataAreEscaped) {
  const HistoryBuilder h = SampleHistory();
  const std::string text = RollupTextfile(SampleRollup(h), std::nullopt);
  EXPECT_NE(text.find("kfm_pipeline=\"weird \\\"name\\\"\\\\\\n\""), std::string::npos) << text;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_EQ(line.rfind("kfm_", 0), 0u) << "a raw newline split a sample: " << line;
  }
}

TEST(RollupMetrics, OnePipelinesGroupHasOnlyItsSeries) {
  const HistoryBuilder h = SampleHistory();
  const rollup::Rollup rollup = SampleRollup(h);
  const auto pipelines = MetricPipelines(rollup, std::nullopt);
  ASSERT_EQ(pipelines.size(), 2u);
  for (const auto& metric : RollupMetrics(rollup, std::nullopt, "nightly")) {
    for (const auto& point : metric.points) {
      for (const auto& [key, value] : point.attributes) {
        if (key == "kfm_pipeline") {
          EXPECT_EQ(std::get<std::string>(value), "nightly");
        }
      }
    }
  }
}

TEST(RollupMetrics, Base64UrlFollowsRfc4648) {
  EXPECT_EQ(Base64Url(""), "");
  EXPECT_EQ(Base64Url("f"), "Zg==");
  EXPECT_EQ(Base64Url("fo"), "Zm8=");
  EXPECT_EQ(Base64Url("foo"), "Zm9v");
  EXPECT_EQ(Base64Url("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Url("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8=");  // '+' and '/' of base64 are '-' and '_'
  EXPECT_EQ(Base64Url("a/b"), "YS9i");
}

}  // namespace
}  // namespace kfm::report
