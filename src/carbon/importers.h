// Turns hourly carbon-intensity data that users can download into a carbon table (see
// table.h): Electricity Maps CSV exports, EIA-930 hourly generation by fuel (intensity derived
// with the factors in fuel_factors.h) and the Carbon Aware SDK's JSON emissions file. Formats
// and method: docs/reference/carbon-import.md. Reads only the given files; stateless and
// thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "carbon/table.h"
#include "kfm/status.h"

namespace kfm::carbon {

enum class ImportFormat { kElectricityMaps, kEia930, kCarbonAwareJson };

// "electricitymaps", "eia930", "carbon-aware-json"; InvalidArgument listing the three.
Result<ImportFormat> ParseImportFormat(std::string_view name);

struct ImportRequest {
  ImportFormat format;
  std::string region;                        // empty: take it from the file (error if the file
                                             // holds several and none was chosen)
  std::vector<std::filesystem::path> files;  // one or more files of that format, concatenated
                                             // in time
  std::string version;                       // set by the caller (the import's UTC time, e.g.
                                             // "20261201T083000Z")
  std::string retrieved;                     // YYYY-MM-DD, set by the caller
};

struct ImportedTable {
  TableMeta meta;
  std::vector<Row> rows;
  std::vector<std::string> notes;  // for the user: what was skipped or assumed, and why
};

// Reads and checks every file; InvalidArgument naming file, line and field for bad input,
// IoError for a file that cannot be read. Writes nothing (the caller uses WriteTable).
Result<ImportedTable> ImportFiles(const ImportRequest& request);

}  // namespace kfm::carbon
