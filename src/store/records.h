// What the run history holds: one NodeRecord per `etl.node.*` span and one RunRecord per run,
// flattened from the span contract (schemas/telemetry/otel-energy-span-v1.json). Plain values
// shared by the store, rollups, gates, the report and lineage; copying them is safe from any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kfm::store {

// One node execution: the attributes of its `etl.node.<name>` span that rollups need.
struct NodeRecord {
  std::string trace_id;  // 32 hex digits; with span_id the identity of the record (dedupe key)
  std::string span_id;   // 16 hex digits
  std::string run_id;    // kfm.run_id
  std::string pipeline;  // kfm.pipeline; for a `run` wrapper span, the node name
  std::string node;      // kfm.node
  std::string domain;
  std::string pipeline_kind;
  std::string hostname;
  std::int64_t start_unix_nano = 0;
  std::int64_t end_unix_nano = 0;
  double duration_s = 0;
  bool ok = true;           // span status is not ERROR
  bool production = false;  // kfm.production
  // Joules attributed to the node, and how they were obtained (energy.*_method).
  double cpu_j = 0;
  double dram_j = 0;
  double gpu_j = 0;
  double total_j = 0;
  double cpu_pkg_j = 0;  // whole package over the span, before attribution
  std::string cpu_method;
  std::string dram_method;
  std::string gpu_method;
  bool modelled = false;  // energy.modelled: any part of total_j came from a model
  std::optional<std::int64_t> records_out;
  std::optional<std::int64_t> bytes_out;
  double gco2e = 0;
  double intensity_gco2_per_kwh = 0;
  std::string carbon_region;
  std::string carbon_resolution;
  std::string carbon_table_id;
  std::string carbon_table_version;
};

// One run: its `etl.run` span where there is one (pipelines), otherwise derived from its nodes.
struct RunRecord {
  std::string run_id;
  std::string pipeline;
  std::string pipeline_kind;
  std::string hostname;
  std::int64_t start_unix_nano = 0;
  std::int64_t end_unix_nano = 0;
  bool ok = true;
  int node_count = 0;
  double total_j = 0;
  double gco2e = 0;
  bool modelled = false;      // any node's figure was modelled
  bool has_run_span = false;  // false: every field derived from the run's node spans
};

}  // namespace kfm::store
