// Pushes a finished node's metrics to a Prometheus Pushgateway, the Prometheus convention for
// batch jobs, when KFM_PUSHGATEWAY_URL is set. Metric and label names follow the
// OpenTelemetry-to-Prometheus rules (dots to underscores, unit and _total suffixes):
// hw.energy -> hw_energy_joules_total, hw.power -> hw_power_watts. The run and node form the
// grouping key, so each node's figures stay until the next run of that node replaces them.
// Stateless; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "otel/metric.h"

namespace kfm::otel {

// The Prometheus text exposition (format 0.0.4) of `metrics`, leaving out the labels that are
// part of the grouping key.
std::string PrometheusText(const std::vector<MetricData>& metrics,
                           const std::vector<std::string>& grouping_labels);

// PUT to <url>/metrics/job/kfm-energy/kfm_run_id/<run>/kfm_node/<node>. Unavailable with the
// status and the gateway's answer when it is not accepted.
Status PushToGateway(const std::string& url, const std::string& run_id, const std::string& node,
                     const std::vector<MetricData>& metrics, std::chrono::milliseconds timeout);

// KFM_PUSHGATEWAY_URL, or empty; InvalidArgument when it is not an http(s) URL.
Result<std::string> PushgatewayUrlFromEnv();

}  // namespace kfm::otel
