// The per-run and per-node figures that rollup, slo and gate share, derived the same way
// everywhere: how a figure was obtained (measured or modelled, never mixed), a run's records
// and its per-record ratios. Pure functions over store records; thread-safe.
//
// Definitions (docs/explanations/baselines-and-gates.md):
//  * a node execution is "modelled" when energy.modelled is set on its span (any part of its
//    joules came from a model), otherwise "measured"; a run is modelled when any node was;
//  * a run's records are the sum of kfm.records_out over its nodes that reported a count;
//    its per-record figures are the run's total over those records (none when no node
//    reported records);
//  * gco2e_per_node of a run is its gCO2e divided by its node count.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"

namespace kfm::rollup {

enum class Basis { kMeasured, kModelled };
std::string_view BasisName(Basis basis);  // "measured" / "modelled"
inline Basis NodeBasis(const store::NodeRecord& node) {
  return node.modelled ? Basis::kModelled : Basis::kMeasured;
}
inline Basis RunBasis(const store::RunRecord& run) {
  return run.modelled ? Basis::kModelled : Basis::kMeasured;
}

// A run joined with its nodes.
struct RunFigures {
  store::RunRecord run;
  std::vector<store::NodeRecord> nodes;  // by start time
  std::optional<std::int64_t> records;   // sum of reported records_out; none if none reported
  std::optional<std::int64_t> bytes;
  [[nodiscard]] Basis basis() const { return RunBasis(run); }
  [[nodiscard]] std::optional<double> JPerRecord() const;
  [[nodiscard]] std::optional<double> Gco2ePerRecord() const;
  [[nodiscard]] std::optional<double> Gco2ePerNode() const;
};

// Joins runs with their nodes by run id (nodes of runs not in `runs` are left out), oldest run
// first (start time, then run id).
std::vector<RunFigures> JoinRuns(const std::vector<store::RunRecord>& runs,
                                 const std::vector<store::NodeRecord>& nodes);

// A node's per-record figures; none when it reported no (or zero) records.
std::optional<double> NodeJPerRecord(const store::NodeRecord& node);
std::optional<double> NodeGco2ePerRecord(const store::NodeRecord& node);

// The method label a node figure is compared under: cpu method, plus "+<gpu method>" when the
// GPU was metered ("rapl", "model-ccf", "rapl+nvml-energy"). Two executions are comparable
// only when their labels and bases are equal.
std::string MethodLabel(const store::NodeRecord& node);

}  // namespace kfm::rollup
