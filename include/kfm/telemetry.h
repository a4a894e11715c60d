// Start here for jobs: instrument your own ETL program with node spans. Each NodeSpan is one
// `etl.node.<name>` span; when it ends, its energy is measured, its carbon computed, its
// attributes set, and it is written to the bundle files under KFM_HOME and exported over
// OTLP, exactly as `kfm-energy run` does for a command.
//
// Under `kfm-energy run` or `kfm-energy pipeline run` (KFM_NODE_REPORT is set), the wrapper
// already measures this whole process and owns the node span: a NodeSpan then only reports
// its counts (records, bytes, datasets) through KFM_NODE_REPORT, so nothing is counted twice.
//
// Measurement never breaks the job: a malformed KFM_* or OTEL_* variable disables telemetry
// with one message on stderr (see status()), and the job runs on.
// Telemetry is thread-safe; a NodeSpan belongs to the thread that made it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kfm/status.h"

namespace kfm::energy {

struct NodeOptions {
  std::string domain = "telemetry";       // kfm.domain, e.g. atmo, hydro
  std::string pipeline_kind = "nightly";  // kfm.pipeline_kind
};

class NodeSpan;

class Telemetry {
 public:
  // From KFM_RUN_ID (generated when unset), KFM_HOME, KFM_REGION, KFM_NODE_REPORT, TRACEPARENT
  // and the OTEL_* variables. `service` is service.name unless OTEL_SERVICE_NAME is set.
  static Telemetry from_env(const std::string& service);

  Telemetry(Telemetry&&) noexcept;
  Telemetry& operator=(Telemetry&&) noexcept;
  ~Telemetry();

  // Begins a node span; it ends when the NodeSpan is destroyed (or end() is called).
  NodeSpan node_span(const std::string& name, const NodeOptions& options = {});

  // Ok, or why telemetry is off (a malformed variable); the job is never stopped by it.
  [[nodiscard]] const Status& status() const;
  // True when a wrapper (run, pipeline) measures this process and spans only report counts.
  [[nodiscard]] bool wrapped() const;
  [[nodiscard]] const std::string& run_id() const;

  struct Impl;

 private:
  explicit Telemetry(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

class NodeSpan {
 public:
  NodeSpan(NodeSpan&&) noexcept;
  NodeSpan& operator=(NodeSpan&&) noexcept;
  NodeSpan(const NodeSpan&) = delete;
  NodeSpan& operator=(const NodeSpan&) = delete;
  ~NodeSpan();

  // What the node produced; each call replaces the previous count.
  void records_out(int64_t n);
  void bytes_out(int64_t n);
  // A dataset the node wrote (lineage): name, version, URI and the sha256 of its content.
  void dataset(const std::string& name, const std::string& version, const std::string& uri,
               const std::string& sha256);
  // Marks the node failed (span status ERROR) with a reason.
  void fail(const std::string& reason);

  // Ends the span now (idempotent): measures, scores, writes and exports. Returns the
  // problems met while writing or exporting, which never stop the job.
  Status end();

  struct State;

 private:
  friend class Telemetry;
  explicit NodeSpan(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace kfm::energy
