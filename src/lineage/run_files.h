// What lineage knows about one run, read from its files under KFM_HOME alone: the energy
// document (nodes, times, joules, datasets, needs), the carbon document (grams per node and
// the intensity tables used) and the span bundle (the `etl.run` span, the pipeline name, the
// producing kfm-energy version). Every writer in this folder starts from a RunLineage. Pure
// reads; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::lineage {

struct DatasetVersion {
  std::string name;
  std::string version;
  std::string uri;
  std::string sha256;
  std::string node;          // the node that generated it
  std::string generated_at;  // that node's end time, RFC 3339 UTC
};

struct CarbonTableRef {
  std::string key;  // "<id>@<version>", as the carbon document's hours name it
  std::string id;
  std::string version;
  std::string source;
  std::string sha256;
  std::string licence;
};

struct NodeExecution {
  std::string node;
  std::string span_id;
  std::string hostname;
  std::string domain;
  std::string pipeline_kind;
  std::string start_time;  // RFC 3339 UTC
  std::string end_time;
  double duration_s = 0;
  bool ok = true;
  double cpu_j = 0;
  double gpu_j = 0;
  double dram_j = 0;
  double total_j = 0;
  std::string cpu_method;
  std::string gpu_method;
  std::optional<int64_t> records_out;
  std::optional<double> gco2e;      // absent when the carbon document does not score it
  std::vector<std::string> tables;  // CarbonTableRef keys used by its hours
  std::vector<std::string> needs;   // upstream node names
  std::vector<DatasetVersion> datasets;
};

struct RunLineage {
  std::string run_id;
  std::string pipeline;       // kfm.pipeline of the run span, else of the nodes, else the node
  std::string pipeline_kind;  // the nodes' kind (first node's when they differ)
  std::string domain;         // the nodes' common domain, else "telemetry"
  std::string hostname;
  std::string start_time;
  std::string end_time;
  bool ok = true;
  bool has_run_span = false;
  std::string kfm_energy_version;    // instrumentation scope version of the spans, else ours
  std::vector<NodeExecution> nodes;  // in start order
  std::vector<CarbonTableRef> tables;
  bool has_carbon = false;  // the carbon document exists
  // Paths relative to KFM_HOME, as the spec writes them (kfm:energy_ref, ...).
  std::string energy_ref;
  std::string carbon_ref;
  std::string spans_ref;
  std::string prov_ref;
};

// The files of `run_id` under `home`. NotFound when the run has no energy document;
// InvalidArgument naming the file (and line for the span bundle) and the field when a
// document is malformed.
Result<RunLineage> LoadRunLineage(const std::filesystem::path& home, const std::string& run_id);

// The PROV-O JSON-LD path of a run: telemetry/prov/kfm-run-<run-id>.jsonld.
std::filesystem::path ProvPath(const std::filesystem::path& home, const std::string& run_id);

}  // namespace kfm::lineage
