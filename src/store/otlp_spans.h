// Turns one OTLP JSON line (an ExportTraceServiceRequest, as our span bundles and the
// OpenTelemetry Collector's file exporter write them) into history records: `etl.node.*`
// spans into NodeRecords, `etl.run` spans into RunSpanRecords, anything else counted and
// skipped. Reads the attributes the store keeps and skips the rest without building a JSON
// tree. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "store/records.h"

namespace kfm::store {

// The attributes of an `etl.run` span (pipeline runs) that a run's summary takes from it.
struct RunSpanRecord {
  std::string trace_id;
  std::string span_id;
  std::string run_id;
  std::string pipeline;
  std::string pipeline_kind;
  std::string hostname;
  std::int64_t start_unix_nano = 0;
  std::int64_t end_unix_nano = 0;
  bool ok = true;
  double total_j = 0;
  double gco2e = 0;
  bool modelled = false;
  std::optional<std::int64_t> nodes_total;
};

struct ParsedSpans {
  std::vector<NodeRecord> nodes;
  std::vector<RunSpanRecord> runs;
  std::int64_t other_spans = 0;
  void clear() {
    nodes.clear();
    runs.clear();
    other_spans = 0;
  }
};

// Appends the spans of `line` to `out`. A malformed line is InvalidArgument
// "<where>: <position in the request>: <field>: <problem>" and may leave part of the line's
// spans in `out` (callers discard the batch).
Status ParseOtlpLine(std::string_view line, std::string_view where, ParsedSpans& out);

// True when a method name (energy.cpu_method ...) is a model ("model-<name>").
bool IsModelledMethod(std::string_view method);

}  // namespace kfm::store
