// The lineage files every run gets when it ends, from its files alone: PROV-O JSON-LD at
// telemetry/prov/kfm-run-<run-id>.jsonld and a STAC item beside each dataset version it
// generated. `kfm-energy run` and `pipeline run` call it after the run documents are written;
// a failure is a warning there and never changes their exit code. Process-safe (atomic
// writes); thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::lineage {

// Problems come back as lines for the user in `warnings`; nothing is thrown.
void WriteRunEndLineage(const std::filesystem::path& home, const std::string& run_id,
                        std::vector<std::string>& warnings);

}  // namespace kfm::lineage
