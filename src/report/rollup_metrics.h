// Prometheus output of the rollups (`kfm-energy report --textfile FILE`, `--push URL`): the
// figures of rollup::ComputeRollup (per node J, J/record and gCO2e over the window; the newest
// run's J, gCO2e and J/record; 7- and 30-day baselines) and the budget targets, as gauges in
// the text exposition format that node_exporter's textfile collector reads and a Pushgateway
// accepts. Measured and modelled figures are separate series (label energy_basis). The
// Grafana dashboard in dashboards/ queries exactly these names (RollupMetricNames()).
// Functions are stateless and thread-safe. See docs/reference/dashboards.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "otel/metric.h"
#include "rollup/budget.h"
#include "rollup/rollup.h"

namespace kfm::report {

// The Pushgateway job name of the rollup metrics; each pipeline is its own group
// (/metrics/job/kfm-energy-rollup/kfm_pipeline@base64/<name>), so pushing one pipeline's
// rollup never removes another's.
inline constexpr const char* kRollupPushJob = "kfm-energy-rollup";

// Every metric family name RollupMetrics may produce, in output order.
const std::vector<std::string>& RollupMetricNames();

// The gauges of `rollup` (and of `budgets`, when given), families with no point left out.
// With `only_pipeline` non-empty, only that pipeline's series (plus the rollup's own).
std::vector<otel::MetricData> RollupMetrics(const rollup::Rollup& rollup,
                                            const std::optional<rollup::BudgetFile>& budgets,
                                            const std::string& only_pipeline = "");

// The text exposition (0.0.4) of RollupMetrics for node_exporter's textfile collector.
std::string RollupTextfile(const rollup::Rollup& rollup,
                           const std::optional<rollup::BudgetFile>& budgets);

// The pipelines that have series: those of the rollup and of the budget file.
std::vector<std::string> MetricPipelines(const rollup::Rollup& rollup,
                                         const std::optional<rollup::BudgetFile>& budgets);

// PUTs each pipeline's group to the Pushgateway at `url` (replacing that group's previous
// push). Unavailable naming the gateway and the group when one is not accepted.
Status PushRollupMetrics(const std::string& url, const rollup::Rollup& rollup,
                         const std::optional<rollup::BudgetFile>& budgets,
                         std::chrono::milliseconds timeout);

// RFC 4648 base64url with padding, as the Pushgateway's "<label>@base64" path segments use.
std::string Base64Url(const std::string& bytes);

}  // namespace kfm::report
