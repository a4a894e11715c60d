// Everything a measuring process reads from its environment before the first node starts:
// run id, KFM_HOME, carbon tables and region, host description, meter and exporter settings,
// the caller's trace context. `kfm-energy run`, the pipeline runner and the in-process
// Telemetry API all start here, so they agree on every variable. Values; thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carbon/node_carbon.h"
#include "carbon/table_set.h"
#include "kfm/status.h"
#include "meter/source_selection.h"
#include "otel/exporter_config.h"
#include "otel/trace_context.h"
#include "pipeline/node_runner.h"

namespace kfm::pipeline {

struct RunEnvironment {
  std::string run_id;
  bool run_id_generated = false;  // KFM_RUN_ID was unset: the caller should print it
  std::filesystem::path home;
  std::shared_ptr<const carbon::TableSet> tables;
  std::string region;
  std::optional<carbon::Embodied> embodied;
  meter::MeterConfig meter;
  otel::ExporterConfig exporter;
  std::string pushgateway_url;
  std::optional<otel::SpanContext> parent;  // TRACEPARENT
  std::string trace_state;                  // TRACESTATE, with a parent only
  std::string hostname;
  std::vector<std::string> warnings;  // e.g. a malformed TRACEPARENT, ignored
};

// InvalidArgument naming the variable or file for anything malformed: KFM_RUN_ID, KFM_REGION
// (unknown), a carbon table, $KFM_HOME/host.json, KFM_SAMPLE_INTERVAL_MS, OTEL_*,
// KFM_PUSHGATEWAY_URL.
Result<RunEnvironment> RunEnvironmentFromEnv();

// The request for one node of this run, measured with `sources` and `accounting_kind`.
NodeRunRequest MakeNodeRequest(const RunEnvironment& env, const meter::SelectedSources& sources,
                               std::string_view accounting_kind, const std::string& node,
                               const std::string& domain, const std::string& pipeline_kind,
                               std::vector<std::string> command,
                               const std::string& service_name = {});

}  // namespace kfm::pipeline
