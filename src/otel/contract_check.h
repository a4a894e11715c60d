// The production span contract as a CI check (`kfm-energy check-contract`): every production
// node span (`etl.node.*` whose kfm.production is true or absent, the pipeline file's default)
// must carry energy.cpu_j, measured or a modelled substitute that says so in energy.cpu_method
// (`model-*`), carbon.gco2e, every other attribute of otel-energy-span-v1 with the right type,
// and no attribute that identifies a person (enduser.*, user.*, process.owner). Types are
// checked by the embedded schema (otel/schema_check.h); this file adds which spans the contract
// binds and the rules a schema cannot state. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::otel {

// One way a span (or a line of the file) breaks the contract.
struct ContractProblem {
  std::size_t line = 0;   // 1-based line of the OTLP JSON lines file
  std::string node;       // kfm.node (from the span name); empty for a line-level problem
  std::string span_id;    // the span's spanId as written; empty when it has none
  std::string attribute;  // attribute key; empty for a problem of the whole span or line
  std::string message;    // what is wrong, with the value where there is one
};

// What checking one or more bundles found.
struct ContractReport {
  std::size_t node_spans = 0;             // etl.node.* spans seen
  std::size_t production_spans = 0;       // of those, bound by the contract (checked)
  std::size_t offending_spans = 0;        // production spans with at least one problem
  std::vector<ContractProblem> problems;  // in file order
};

// Checks one ExportTraceServiceRequest (one parsed line, number `line`) and adds to `report`.
void CheckContractRequest(const nlohmann::json& request, std::size_t line, ContractReport& report);

// Reads an OTLP JSON lines span bundle (telemetry/otel/spans-kfm-run-<run-id>.json, or a
// Collector's file exporter output; one pretty-printed request is read whole too) and checks
// every line. Contract problems come back in the report; a file that cannot be read is
// NotFound/PermissionDenied/IoError, and one with a line that is not JSON or not an
// ExportTraceServiceRequest is InvalidArgument naming file and line.
Result<ContractReport> CheckContractFile(const std::filesystem::path& file);

}  // namespace kfm::otel
