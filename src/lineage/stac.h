// STAC 1.0 Items, one per dataset version a run generated, whose properties carry the spec's
// telemetry references (kfm:energy_ref, kfm:carbon_ref, kfm:otel_span_bundle,
// kfm:energy_schema, kfm:carbon_schema), and their files beside the datasets
// ($KFM_HOME/datasets/<name>/<version>/<item-id>.json). Pure but for WriteStacItems;
// thread-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "lineage/run_files.h"

namespace kfm::lineage {

inline constexpr const char* kEnergySchemaRef = "schemas/telemetry/energy-v2.json";
inline constexpr const char* kCarbonSchemaRef = "schemas/telemetry/carbon-v2.json";

// "<name>-<version>".
std::string StacItemId(const DatasetVersion& dataset);

// Items in node order; hrefs to the telemetry are relative to the item's own file.
std::vector<nlohmann::json> BuildStacItems(const RunLineage& run);

// A GeoJSON FeatureCollection (STAC ItemCollection) of `items`.
nlohmann::json StacItemCollection(const std::vector<nlohmann::json>& items);

// Writes every item to datasets/<name>/<version>/<item-id>.json under `home`. Items whose
// name or version cannot be a path component are skipped with a warning.
Status WriteStacItems(const std::filesystem::path& home, const RunLineage& run,
                      std::vector<std::string>* warnings);

}  // namespace kfm::lineage
