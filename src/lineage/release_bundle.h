// The release telemetry bundle, the spec's `telemetry_ref`
// (releases/<version>/otel-energy-etl-telemetry.json): for each run of a release, its
// pipeline, totals, the references to its telemetry files with their sha256, the carbon
// tables and the dataset versions it generated. It conforms to the spec's `telemetry_schema`,
// schemas/telemetry/telemetry-bundle-v1.json. Adding a run rewrites the file atomically under
// a lock, so concurrent runs of one release both land. Thread-safe and process-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "kfm/status.h"
#include "lineage/run_files.h"

namespace kfm::lineage {

inline constexpr const char* kTelemetryBundleSchemaRef =
    "schemas/telemetry/telemetry-bundle-v1.json";

// releases/<release>/otel-energy-etl-telemetry.json under `home`.
std::filesystem::path ReleaseBundlePath(const std::filesystem::path& home,
                                        const std::string& release);

// The bundle's entry for `run`; file digests are read from `home`.
Result<nlohmann::json> ReleaseBundleEntry(const std::filesystem::path& home, const RunLineage& run);

// Adds (or replaces, by run id) `run` in the bundle at `file` for `release`.
Status AddRunToReleaseBundle(const std::filesystem::path& file, const std::string& release,
                             const std::filesystem::path& home, const RunLineage& run,
                             std::string* warning);

}  // namespace kfm::lineage
