// Turns one node's measurement into what leaves the process: the `etl.node.<name>` span with
// every contract attribute of DESIGN.md, and the node's entry in the run's energy document
// (schemas/telemetry/energy-v2.json). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "carbon/node_carbon.h"
#include "meter/sampler.h"
#include "otel/metric.h"
#include "otel/span.h"
#include "pipeline/node_report.h"

namespace kfm::pipeline {

struct NodeMeta {
  std::string run_id;
  std::string node;
  std::string domain = "telemetry";
  std::string pipeline_kind = "nightly";
  std::string component = "etl";
  std::string hostname;
  std::vector<std::string> command;
  std::string cpu_method;
  std::string dram_method;
  std::string gpu_method;
  std::string cpu_accounting;
  std::chrono::milliseconds sample_interval{0};
};

struct NodeOutcome {
  int exit_code = 0;
  int signal = 0;
  std::string error;  // e.g. "command not found"
};

// Figures derived once and shared by the span, the record and the summary.
struct NodeFigures {
  double cpu_j = 0, package_j = 0, dram_j = 0, dram_measured_j = 0, gpu_j = 0, gpu_measured_j = 0;
  double total_j = 0;
  double gpu_w_avg = 0;
  double duration_s = 0;
  double gco2e = 0;
  std::optional<double> j_per_record;
  std::optional<double> gco2e_per_record;
};

// The carbon scorer's input for this node: its joules per UTC hour, counts and timing.
carbon::NodeCarbonInput CarbonInput(const NodeMeta& meta, const meter::NodeMeasurement& m,
                                    const NodeReport& report, const otel::SpanContext& context,
                                    const std::string& region,
                                    const std::optional<carbon::Embodied>& embodied);

NodeFigures ComputeFigures(const meter::NodeMeasurement& m, const NodeReport& report,
                           const carbon::NodeCarbon& carbon);

otel::SpanData BuildNodeSpan(const NodeMeta& meta, const meter::NodeMeasurement& m,
                             const NodeFigures& f, const NodeReport& report,
                             const NodeOutcome& outcome, const carbon::NodeCarbon& carbon,
                             const otel::SpanContext& context,
                             const std::optional<otel::SpanId>& parent);

nlohmann::json BuildEnergyRecord(const NodeMeta& meta, const meter::NodeMeasurement& m,
                                 const NodeFigures& f, const NodeReport& report,
                                 const NodeOutcome& outcome, const otel::SpanContext& context);

// The node's energy as OTLP metrics, after the hardware semantic conventions: hw.energy (J,
// delta sum over the node's span) and hw.power (W, the node's average) per device with
// hw.id / hw.type, plus kfm.carbon.gco2e and kfm.records_out; every point carries run, node,
// domain, pipeline kind, host and the method that produced it.
std::vector<otel::MetricData> BuildNodeMetrics(const NodeMeta& meta,
                                               const meter::NodeMeasurement& m,
                                               const NodeFigures& f, const NodeReport& report,
                                               const carbon::NodeCarbon& carbon);

// For people: "12.345" (`digits` after the point) and four significant digits ("0.0005426").
std::string FormatFixed(double value, int digits);
std::string FormatSignificant(double value);

// RFC 3339 UTC with microseconds, e.g. "2026-11-25T04:20:00.123456Z".
std::string FormatUtc(int64_t unix_ns);

// "20261125T042000Z-3f9a1c": UTC time plus a random suffix.
std::string GenerateRunId();

}  // namespace kfm::pipeline
