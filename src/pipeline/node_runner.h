// Runs one node: starts its command under the shared sampler, waits for it while forwarding
// signals, collects its KFM_NODE_REPORT, and writes its span and energy record to the bundle
// files (always, before anything else). `kfm-energy run` is this with one node; the pipeline
// runner calls it per node. Not thread-safe: call from the thread that owns the SignalBlock.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "carbon/node_carbon.h"
#include "carbon/table_set.h"
#include "meter/sampler.h"
#include "otel/exporter_config.h"
#include "otel/metric.h"
#include "otel/span.h"
#include "pipeline/node_record.h"
#include "pipeline/process.h"

namespace kfm::pipeline {

struct NodeRunRequest {
  NodeMeta meta;  // run_id, node, domain, pipeline_kind, command
  std::string service_name = "kfm.etl";
  std::filesystem::path home;               // KFM_HOME
  std::optional<otel::SpanContext> parent;  // from TRACEPARENT
  std::string trace_state;                  // from TRACESTATE, passed on unchanged
  std::shared_ptr<const carbon::TableSet> tables;
  std::string region;                        // KFM_REGION
  std::optional<carbon::Embodied> embodied;  // $KFM_HOME/host.json
};

struct NodeRunResult {
  int exit_code = 0;
  NodeOutcome outcome;
  meter::NodeMeasurement measurement;
  NodeFigures figures;
  carbon::NodeCarbon carbon;
  NodeReport report;
  otel::Resource resource;
  otel::SpanData span;
  std::vector<otel::MetricData> metrics;
  nlohmann::json energy_record;       // the node's entry in the energy document
  std::vector<std::string> warnings;  // file problems, report problems: shown, never fatal
  // Set before FinishNode by a runner that knows more (attempts, timeouts): added to the span.
  otel::Attributes extra_attributes;
  std::vector<otel::SpanEvent> extra_events;
};

NodeRunResult RunNode(const NodeRunRequest& request, meter::Sampler& sampler,
                      const SignalBlock& signals);

// Starts a node's command as a child measured as `sampler_node` (-1: not measured): born in
// its cgroup, with the environment carriers (TRACEPARENT of `context`, TRACESTATE, KFM_RUN_ID,
// KFM_HOME, KFM_NODE_REPORT) and then `extra_env` ("KEY=value"). When it cannot start, pid
// is -1 with the status a shell would give (127 not found, 126 cannot execute) and why.
struct StartedNode {
  pid_t pid = -1;
  int exit_code = 0;
  std::string error;
};
StartedNode StartNodeProcess(const NodeRunRequest& request, const otel::SpanContext& context,
                             const std::string& report_file,
                             const std::vector<std::string>& extra_env, meter::Sampler& sampler,
                             int sampler_node);

// The rest of a node once it has ended (`result` holds its outcome, measurement and report):
// carbon, the span, the energy and carbon records, the metrics, and the bundle files. RunNode
// ends with it; the in-process Telemetry API calls it for its own spans. The span line is
// always appended at once; with kDefer the run documents are left to WriteRunDocuments, which
// a pipeline calls for many nodes at a time.
enum class Documents { kWrite, kDefer };
void FinishNode(const NodeRunRequest& request, const otel::SpanContext& context,
                NodeRunResult& result, Documents documents = Documents::kWrite);

// Adds the nodes' energy records and carbon to the run's energy and carbon documents, in one
// locked rewrite of each.
Status WriteRunDocuments(const std::filesystem::path& home, const std::string& run_id,
                         const std::vector<const NodeRunResult*>& nodes, std::string* warning);

// Sends the node's span and metrics where the OTEL_* configuration says (OTLP, or the console
// exporter to stderr), after first re-sending what earlier runs left in the spool; whatever is
// not accepted within the export timeout is spooled. Returns lines for the user (never a
// header value). Does nothing when no exporter is enabled.
// With `pushgateway_url` (KFM_PUSHGATEWAY_URL) the metrics are also pushed there.
std::vector<std::string> ExportNodeTelemetry(const otel::ExporterConfig& config,
                                             const std::filesystem::path& home,
                                             const NodeRunResult& result,
                                             const std::string& pushgateway_url = {});

// Spans and metrics of one resource, sent together; `pushes` go to the Pushgateway, one
// group per node.
struct TelemetryBatch {
  struct Push {
    std::string run_id;
    std::string node;
    std::vector<otel::MetricData> metrics;
  };
  otel::Resource resource;
  std::vector<otel::SpanData> spans;
  std::vector<otel::MetricData> metrics;
  std::vector<Push> pushes;
};

// ExportNodeTelemetry for any number of spans: the spans through the batch span processor,
// the metrics in one request, everything bounded by one export timeout.
std::vector<std::string> ExportTelemetry(const otel::ExporterConfig& config,
                                         const std::filesystem::path& home,
                                         const TelemetryBatch& batch,
                                         const std::string& pushgateway_url = {});

// The short human summary printed on stderr after a node.
std::string FormatSummary(const NodeRunRequest& request, const NodeRunResult& result);

}  // namespace kfm::pipeline
