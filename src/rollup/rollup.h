// `kfm-energy rollup`: rolls the run history up into the figures a team steers by (per node,
// per run, per pipeline) with 7- and 30-day baselines, as the document described by
// schemas/telemetry/energy-rollup-v1.json (tag kfm.energy-rollup.v1). Measured and modelled
// figures are kept in separate rows, never averaged together. ComputeRollup is a pure function
// of its inputs; thread-safe. See docs/reference/rollup.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rollup/figures.h"
#include "rollup/stats.h"
#include "store/records.h"

namespace kfm::rollup {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
// The baseline windows, in days, always ending at the rollup's end.
inline constexpr std::array<int, 2> kBaselineDays = {7, 30};

struct RollupOptions {
  std::int64_t since_unix_nano = 0;  // window start (inclusive)
  std::int64_t until_unix_nano = 0;  // window end (exclusive); also generated_at
  std::string window;                // as given, e.g. "30d"
  std::string pipeline;              // only this pipeline; empty = all
  std::string release;               // e.g. "v0.1.x"
  std::string kind;                  // e.g. "nightly"
  std::string version;               // kfm-energy version
};

// Baselines of one figure: a Summary per window in kBaselineDays ("7d", "30d").
using Baselines = std::map<std::string, Summary>;

struct NodeRollup {
  std::string pipeline;
  std::string node;
  Basis basis = Basis::kMeasured;
  std::set<std::string> methods;  // MethodLabel of each execution
  std::int64_t executions = 0;    // node spans in the window
  std::int64_t runs = 0;          // distinct runs among them
  std::int64_t failed = 0;        // spans with status ERROR
  double total_j = 0;
  double gco2e = 0;
  std::int64_t records_out = 0;            // over executions that reported records
  double j_with_records = 0;               // joules of those executions
  double gco2e_with_records = 0;           // gCO2e of those executions
  std::int64_t bytes_out = 0;              // over executions that reported bytes
  double j_with_bytes = 0;                 // joules of those executions
  std::optional<double> j_per_record;      // j_with_records / records_out
  std::optional<double> j_per_mb;          // j_with_bytes / (bytes_out / 1e6)
  std::optional<double> gco2e_per_record;  // gco2e_with_records / records_out
  // Per execution: total J, J/record and gCO2e/record.
  Baselines baseline_total_j, baseline_j_per_record, baseline_gco2e_per_record;
};

struct RunRollup {
  std::string run_id;
  std::string pipeline;
  std::string pipeline_kind;
  std::int64_t start_unix_nano = 0;
  std::int64_t end_unix_nano = 0;
  bool ok = true;
  Basis basis = Basis::kMeasured;
  int node_count = 0;
  double total_j = 0;
  double gco2e = 0;
  std::optional<std::int64_t> records_out;
  std::optional<double> j_per_record;
  std::optional<double> gco2e_per_record;
};

// One point of a pipeline's daily series: the day's own mean and the trailing 7- and 30-day
// means as of the end of that day (what a baseline band is drawn from).
struct DailyPoint {
  std::string date;  // YYYY-MM-DD (UTC)
  std::int64_t runs = 0;
  double gco2e_per_run = 0;
  std::optional<double> j_per_record;
  std::optional<double> rolling_7d_gco2e_per_run, rolling_30d_gco2e_per_run;
  std::optional<double> rolling_7d_j_per_record, rolling_30d_j_per_record;
};

struct PipelineRollup {
  std::string pipeline;
  Basis basis = Basis::kMeasured;
  std::int64_t runs = 0;
  std::int64_t failed_runs = 0;
  double total_j = 0;
  double gco2e = 0;
  Baselines gco2e_per_run, j_per_run, j_per_record, gco2e_per_record;
  std::vector<DailyPoint> daily;
};

struct CarbonTableUse {
  std::string table_id;
  std::string table_version;
  std::set<std::string> regions;
  std::set<std::string> resolutions;
  std::int64_t executions = 0;
};

struct Rollup {
  RollupOptions options;
  std::int64_t measured_nodes = 0, modelled_nodes = 0;
  std::int64_t measured_runs = 0, modelled_runs = 0;
  std::vector<NodeRollup> nodes;          // by pipeline, node, basis
  std::vector<RunRollup> runs;            // oldest first
  std::vector<PipelineRollup> pipelines;  // by pipeline, basis
  std::vector<CarbonTableUse> carbon_tables;
};

// The earliest time ComputeRollup looks at: the window start or the start of the longest
// baseline, whichever is earlier. Callers load runs from here (and nodes a little before, so
// that long runs are complete).
std::int64_t RollupLookbackStart(const RollupOptions& options);

// Rolls up `runs` and `nodes` (any superset of what the window and baselines need; records
// outside are ignored). Window figures use node end times and run start times in
// [since, until); baselines use [until - N days, until).
Rollup ComputeRollup(const std::vector<store::RunRecord>& runs,
                     const std::vector<store::NodeRecord>& nodes, const RollupOptions& options);

// The kfm.energy-rollup.v1 document.
nlohmann::json RollupToJson(const Rollup& rollup);

// A few lines for people: window, counts, the costliest nodes, per-pipeline baselines.
std::string FormatRollupSummary(const Rollup& rollup);

}  // namespace kfm::rollup
