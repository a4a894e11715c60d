// The Grafana dashboard in dashboards/ is valid JSON, has the spec's Energy Standards Index
// panels, and queries only metric names that `kfm-energy report` exports; its provisioning
// file is valid YAML pointing Grafana at that folder.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "report/rollup_metrics.h"

namespace kfm::report {
namespace {

const std::string kDashboards = std::string(KFM_FIXTURES_DIR) + "/../../dashboards";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// The metric names a PromQL expression selects: identifiers that are not functions (followed
// by '('), keywords, label names inside {...} or in by/without/on/ignoring/group_* lists, and
// not inside strings. label_values(metric, label) contributes only its metric.
std::set<std::string> MetricNames(const std::string& expr) {
  static const std::set<std::string> kKeywords = {"by",         "without",     "on",    "ignoring",
                                                  "group_left", "group_right", "and",   "or",
                                                  "unless",     "bool",        "offset"};
  static const std::set<std::string> kAggregations = {
      "sum",    "min",  "max",     "avg",      "count",        "stddev",
      "stdvar", "topk", "bottomk", "quantile", "count_values", "group"};
  std::set<std::string> names;
  int brace = 0;
  bool skip_list = false;  // the next (...) is a label list
  int list_depth = 0;
  bool in_label_values = false;
  int label_values_depth = 0;
  int depth = 0;
  for (std::size_t i = 0; i < expr.size();) {
    const char c = expr[i];
    if (c == '"' || c == '\'') {
      const std::size_t end = expr.find(c, i + 1);
      i = end == std::string::npos ? expr.size() : end + 1;
      continue;
    }
    if (c == '{') ++brace;
    if (c == '}') --brace;
    if (c == '(') {
      ++depth;
      if (skip_list) {
        list_depth = depth;
        skip_list = false;
      }
    }
    if (c == ')') {
      if (depth == list_depth) list_depth = 0;
      if (in_label_values && depth == label_values_depth) in_label_values = false;
      --depth;
    }
    if (c == ',' && in_label_values && depth == label_values_depth) {
      // label_values(metric, label): skip to the closing parenthesis.
      i = expr.find(')', i);
      continue;
    }
    if (!IdentStart(c) || (i > 0 && IdentChar(expr[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < expr.size() && IdentChar(expr[end])) ++end;
    const std::string word = expr.substr(i, end - i);
    std::size_t next = end;
    while (next < expr.size() && expr[next] == ' ') ++next;
    const bool call = next < expr.size() && expr[next] == '(';
    if (word == "label_values") {
      in_label_values = true;
      label_values_depth = depth + 1;
    } else if (kAggregations.contains(word)) {
      // sum by (labels) (expr): an operator, not a metric.
    } else if (kKeywords.contains(word)) {
      if (call) skip_list = true;
    } else if (brace == 0 && list_depth == 0 && !call && word.rfind("__", 0) != 0) {
      names.insert(word);
    }
    i = end;
  }
  return names;
}

// Every query string of the dashboard: panel targets and template variables.
std::vector<std::string> Queries(const nlohmann::json& dashboard) {
  std::vector<std::string> out;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      out.push_back(target.at("expr").get<std::string>());
    }
  }
  for (const auto& variable : dashboard.at("templating").at("list")) {
    if (variable.at("type") != "query") continue;
    const auto& query = variable.at("query");
    out.push_back(query.is_string() ? query.get<std::string>()
                                    : query.at("query").get<std::string>());
  }
  return out;
}

TEST(Dashboard, MetricNameScannerReadsPromQl) {
  EXPECT_EQ(MetricNames("sum by (kfm_node) (kfm_node_energy_joules{kfm_pipeline=~\"$p\"})"),
            (std::set<std::string>{"kfm_node_energy_joules"}));
  EXPECT_EQ(MetricNames("a{stat=\"mean\"} - ignoring(stat) b{x=\"y z\"}"),
            (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(MetricNames("label_values(kfm_pipeline_runs{x=\"1\"}, energy_basis)"),
            (std::set<std::string>{"kfm_pipeline_runs"}));
  EXPECT_EQ(MetricNames("100 * m1 / on(kfm_pipeline) group_left m2"),
            (std::set<std::string>{"m1", "m2"}));
}

TEST(Dashboard, EveryQueriedMetricIsOneTheReportExports) {
  const auto dashboard =
      nlohmann::json::parse(Read(kDashboards + "/energy-standards-index.json"), nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded()) << "dashboards/energy-standards-index.json is not JSON";
  const auto& exported = RollupMetricNames();
  std::set<std::string> queried;
  for (const auto& query : Queries(dashboard)) {
    const auto names = MetricNames(query);
    EXPECT_FALSE(names.empty()) << query;
    queried.insert(names.begin(), names.end());
  }
  for (const auto& name : queried) {
    EXPECT_NE(std::find(exported.begin(), exported.end(), name), exported.end())
        << "the dashboard queries " << name << ", which kfm-energy report does not export";
  }
  // The spec's Energy Standards Index: energy per node, gCO2e per run against the budget,
  // J/record with its baseline band.
  for (const char* needed :
       {"kfm_node_energy_joules", "kfm_run_co2e_grams", "kfm_budget_co2e_grams_per_run",
        "kfm_run_joules_per_record", "kfm_baseline_joules_per_record"}) {
    EXPECT_TRUE(queried.contains(needed)) << needed;
  }
}

TEST(Dashboard, PanelsAreWellFormed) {
  const auto dashboard = nlohmann::json::parse(Read(kDashboards + "/energy-standards-index.json"));
  EXPECT_EQ(dashboard.at("uid"), "kfm-energy-standards-index");
  EXPECT_EQ(dashboard.at("title"), "Energy Standards Index");
  std::set<int> ids;
  bool band = false;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
    EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}") << panel.at("title");
    const auto& grid = panel.at("gridPos");
    EXPECT_LE(grid.at("x").get<int>() + grid.at("w").get<int>(), 24) << panel.at("title");
    std::set<std::string> refs;
    for (const auto& target : panel.at("targets")) {
      EXPECT_TRUE(refs.insert(target.at("refId").get<std::string>()).second);
    }
    // A fillBelowTo override must name a series the panel draws (legendFormat).
    for (const auto& override_ : panel.value("fieldConfig", nlohmann::json::object())
                                     .value("overrides", nlohmann::json::array())) {
      for (const auto& property : override_.at("properties")) {
        if (property.at("id") != "custom.fillBelowTo") continue;
        band = true;
        bool found = false;
        for (const auto& target : panel.at("targets")) {
          found = found || target.value("legendFormat", "") == property.at("value");
        }
        EXPECT_TRUE(found) << property.dump();
      }
    }
  }
  EXPECT_TRUE(band) << "the J/record panel draws its baseline band";
}

TEST(Dashboard, ProvisioningFileLoadsTheDashboardFolder) {
  const YAML::Node file = YAML::LoadFile(kDashboards + "/provisioning/dashboards/kfm-energy.yaml");
  EXPECT_EQ(file["apiVersion"].as<int>(), 1);
  ASSERT_TRUE(file["providers"].IsSequence());
  const YAML::Node provider = file["providers"][0];
  EXPECT_EQ(provider["type"].as<std::string>(), "file");
  EXPECT_EQ(provider["options"]["path"].as<std::string>(), "${KFM_ENERGY_DASHBOARDS}");
  const YAML::Node datasources =
      YAML::LoadFile(kDashboards + "/provisioning/datasources/prometheus.yaml");
  EXPECT_EQ(datasources["datasources"][0]["type"].as<std::string>(), "prometheus");
}

}  // namespace
}  // namespace kfm::report
