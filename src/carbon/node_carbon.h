// Joules -> grams CO2e for one node, time-resolved: each UTC hour's joules times the
// intensity in force in that hour (a node across an hour boundary uses both hours), plus the
// Software Carbon Intensity per record, SCI = (E x I + M) / R (ISO/IEC 21031), with M the
// embodied emissions of the node's share of the host. The same inputs and tables always give
// the same record, byte for byte: that is what makes `carbon rescore` trustworthy.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "carbon/table_set.h"
#include "kfm/status.h"
#include "kfm/units.h"

namespace kfm::carbon {

// What the host's manufacture emitted, from `$KFM_HOME/host.json` (all optional for a run).
struct Embodied {
  double total_kgco2e = 0;    // TE: embodied emissions of the whole machine
  double lifetime_years = 0;  // EL: expected lifetime
  double share = 1;           // RS/TR: the share of the machine the pipeline reserves, (0, 1]
  std::string source;         // where TE comes from (vendor PCF sheet, Boavizta, ...)
};

// Reads `path` ({"embodied_kgco2e": N, "lifetime_years": N, "share": N, "source": "..."});
// nullopt when it does not exist; InvalidArgument naming the file and field when malformed.
Result<std::optional<Embodied>> LoadEmbodied(const std::filesystem::path& path);

struct EnergyHour {
  int64_t hour_start_s = 0;  // UTC, a multiple of 3600
  Joules energy;
};

// Everything a node's carbon depends on besides the tables; kept in the carbon record so a
// run can be scored again later.
struct NodeCarbonInput {
  std::string node;
  std::string trace_id;
  std::string span_id;
  std::string start_time;  // RFC 3339, as in the energy record
  std::string end_time;
  double duration_s = 0;
  std::string region;
  std::vector<EnergyHour> hours;  // never empty (a node without energy has one 0 J hour)
  bool energy_modelled = false;   // some of the joules come from a model, not a counter
  std::optional<int64_t> records_out;
  std::optional<Embodied> embodied;
};

struct ScoredHour {
  EnergyHour hour;
  Factor factor;
  GramsCO2e carbon;
};

struct NodeCarbon {
  NodeCarbonInput input;
  Joules energy;
  GramsCO2e operational;  // E x I, summed hour by hour: carbon.gco2e
  GramsPerKwh intensity;  // energy-weighted: operational / energy (the factor itself at 0 J)
  // The coarsest resolution used and the factor that had it: what the span reports.
  Factor summary;
  std::vector<ScoredHour> hours;
  GramsCO2e embodied;                      // M, 0 without a host description
  std::optional<double> gco2e_per_record;  // SCI, when records_out > 0
};

Result<NodeCarbon> ScoreNode(const TableSet& tables, NodeCarbonInput input);

// The node's entry in the carbon record (schemas/telemetry/carbon-v2.json), and back.
nlohmann::json NodeCarbonJson(const NodeCarbon& carbon);
Result<NodeCarbonInput> NodeCarbonInputFromJson(const nlohmann::json& node,
                                                const std::string& where);

// Adds (or replaces, by span id) the node in the run's carbon document, keeping nodes sorted
// by start time, node and span id and listing each table used once, sorted.
void MergeIntoRunDocument(nlohmann::json& doc, const std::string& run_id, const NodeCarbon& carbon);
void MergeIntoRunDocument(nlohmann::json& doc, const std::string& run_id,
                          const std::vector<const NodeCarbon*>& batch);

// The run's carbon document scored again with `tables` from the inputs it records (energy per
// hour, region, records, embodied): with the same tables, the same document. `where` names
// the file in messages.
Result<nlohmann::json> RescoreDocument(const nlohmann::json& original, const TableSet& tables,
                                       const std::string& where);

// A table's provenance as recorded: id, version, sha256, source, licence, retrieved, basis,
// scope, origin.
nlohmann::json TableProvenance(const Table& table);

}  // namespace kfm::carbon
