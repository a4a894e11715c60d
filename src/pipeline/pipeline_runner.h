// Runs a pipeline (PipelineSpec) as one measured run: ready nodes start in parallel up to
// `jobs`, every node under the one shared sampler (so concurrent nodes split the machine's
// energy and the sum is conserved), each an `etl.node.<name>` span under one `etl.run` span.
// Timeouts send SIGTERM, then SIGKILL after a grace period; failed attempts are retried as
// configured (each attempt is an event on the span); a failed node skips everything
// downstream. SIGINT/SIGTERM to the runner stop the nodes and still write every span and
// file. Not thread-safe: Run() once, from the main thread, before any other thread starts
// (it blocks the forwarded signals first).
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "pipeline/node_runner.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/run_environment.h"

namespace kfm::pipeline {

struct PipelineRunOptions {
  int jobs = 1;                            // parallel nodes at most
  std::chrono::milliseconds grace{10000};  // SIGTERM -> SIGKILL
  std::string accounting = "auto";         // --cpu-accounting
  std::ostream* progress = nullptr;        // a line per state change; null: silent
  bool live = false;                       // a status line redrawn on a terminal
};

enum class NodeStatus { kPending, kRunning, kOk, kFailed, kSkipped, kCancelled };
std::string_view NodeStatusName(NodeStatus status);

struct NodeSummary {
  std::string name;
  NodeStatus status = NodeStatus::kPending;
  int attempts = 0;
  std::string reason;    // why it failed, was skipped or cancelled
  NodeRunResult result;  // for nodes that ran
};

struct PipelineResult {
  int exit_code = 0;  // 0 all ok; 1 a node failed; 128 + N when stopped by signal N
  int signal = 0;
  otel::Resource resource;         // of every span of the run
  std::vector<NodeSummary> nodes;  // in file order
  otel::SpanData run_span;
  double measured_j = 0;      // whole machine, every channel counted toward the total
  double unattributed_j = 0;  // what no node used
  bool modelled = false;      // some of it came from the model, not from counters
  std::vector<std::string> warnings;
};

// Expands ${VAR} in every node's argv, shell line and env (KFM_HOME and KFM_RUN_ID resolve
// to the run's own). InvalidArgument naming the file, node and field.
Status ExpandPipeline(PipelineSpec& spec, const RunEnvironment& env);

PipelineResult RunPipeline(const PipelineSpec& spec, const RunEnvironment& env,
                           const PipelineRunOptions& options);

// Sends the run span and every node's span and metrics (ExportTelemetry).
std::vector<std::string> ExportRunTelemetry(const otel::ExporterConfig& config,
                                            const std::filesystem::path& home,
                                            const PipelineResult& result,
                                            const std::string& pushgateway_url);

// The end-of-run table: per node status, attempts, duration, joules, method, gCO2e, records,
// J/record; then the run's totals.
std::string FormatPipelineTable(const PipelineSpec& spec, const PipelineResult& result);

}  // namespace kfm::pipeline
