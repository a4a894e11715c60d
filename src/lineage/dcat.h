// DCAT 3 for a run's dataset versions, derived from their STAC items: a dcat:Dataset per item
// (the same IRI as the PROV entity) with a dcat:Distribution for the data, both keeping the
// STAC item's telemetry references (kfm:energy_ref, kfm:carbon_ref, kfm:otel_span_bundle,
// kfm:energy_schema, kfm:carbon_schema). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "lineage/rdf_graph.h"

namespace kfm::lineage {

// `items` as BuildStacItems makes them.
Graph BuildDcatGraph(const std::vector<nlohmann::json>& items);

}  // namespace kfm::lineage
