#include "rollup/budget.h"

#include <array>
#include <set>

#include "rollup/yaml_errors.h"

namespace kfm::rollup {
namespace {

constexpr std::array<std::pair<BudgetMetric, std::string_view>, 4> kMetricNames{{
    {BudgetMetric::kGco2ePerRun, "gco2e_per_run"},
    {BudgetMetric::kJPerRun, "j_per_run"},
    {BudgetMetric::kGco2ePerRecord, "gco2e_per_record"},
    {BudgetMetric::kJPerRecord, "j_per_record"},
}};

constexpr std::string_view kKnownMetrics =
    "gco2e_per_run, j_per_run, gco2e_per_record, j_per_record";

}  // namespace

std::string_view BudgetMetricName(BudgetMetric metric) {
  for (const auto& [m, name] : kMetricNames) {
    if (m == metric) return name;
  }
  return "?";
}

std::optional<BudgetMetric> ParseBudgetMetric(std::string_view name) {
  for (const auto& [m, known] : kMetricNames) {
    if (known == name) return m;
  }
  return std::nullopt;
}

std::string_view BudgetMetricUnit(BudgetMetric metric) {
  switch (metric) {
    case BudgetMetric::kGco2ePerRun:
      return "gCO2e";
    case BudgetMetric::kJPerRun:
      return "J";
    case BudgetMetric::kGco2ePerRecord:
      return "gCO2e/record";
    case BudgetMetric::kJPerRecord:
      return "J/record";
  }
  return "";
}

Result<BudgetFile> ParseBudgetFile(std::string_view yaml, const std::filesystem::path& path) {
  const std::string file = path.string();
  auto doc = LoadSingleKeyDocument(yaml, file, "budgets");
  if (!doc.ok()) return doc.status();
  const YAML::Node& root = doc.value().root;
  const YAML::Node& budgets = doc.value().value;
  if (!budgets.IsDefined()) {
    return YamlError(file, root.Mark(), "budgets", "missing: expected `budgets:` with a map");
  }
  if (!budgets.IsMap()) {
    return YamlError(file, budgets.Mark(), "budgets",
                     "expected a map of pipeline name -> targets, got " + DescribeYaml(budgets));
  }
  BudgetFile out;
  out.path = file;
  std::set<std::string> seen;
  for (auto it = budgets.begin(); it != budgets.end(); ++it) {
    PipelineBudget pipeline;
    pipeline.pipeline = it->first.Scalar();
    pipeline.line = it->first.Mark().line + 1;
    const std::string field = "budgets." + pipeline.pipeline;
    if (pipeline.pipeline.empty()) {
      return YamlError(file, it->first.Mark(), "budgets", "empty pipeline name");
    }
    if (!seen.insert(pipeline.pipeline).second) {
      return YamlError(file, it->first.Mark(), field, "pipeline listed twice");
    }
    const YAML::Node targets = it->second;
    if (!targets.IsMap() || targets.size() == 0) {
      const YAML::Mark mark = targets.IsNull() ? it->first.Mark() : targets.Mark();
      return YamlError(file, mark, field,
                       "expected a map with at least one of " + std::string(kKnownMetrics) +
                           ", got " + DescribeYaml(targets));
    }
    for (auto t = targets.begin(); t != targets.end(); ++t) {
      const std::string name = t->first.Scalar();
      const std::string target_field = field + "." + name;
      auto metric = ParseBudgetMetric(name);
      if (!metric) {
        return YamlError(file, t->first.Mark(), target_field,
                         "unknown target; known: " + std::string(kKnownMetrics));
      }
      for (const auto& existing : pipeline.targets) {
        if (existing.metric == *metric) {
          return YamlError(file, t->first.Mark(), target_field, "target listed twice");
        }
      }
      const YAML::Mark mark = t->second.IsNull() ? t->first.Mark() : t->second.Mark();
      auto limit = PlainNumber(t->second);
      if (!limit) {
        return YamlError(file, mark, target_field,
                         "expected a number, got " + DescribeYaml(t->second));
      }
      if (*limit < 0) {
        return YamlError(file, mark, target_field,
                         "must not be negative, got " + t->second.Scalar());
      }
      pipeline.targets.push_back({*metric, *limit, t->first.Mark().line + 1});
    }
    out.pipelines.push_back(std::move(pipeline));
  }
  return out;
}

Result<BudgetFile> LoadBudgetFile(const std::filesystem::path& path) {
  return ParseTextFile(path, &ParseBudgetFile);
}

}  // namespace kfm::rollup
