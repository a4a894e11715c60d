// Writes one version of the usgs_gauges dataset: OUT/<version>/ with observations.csv, its
// Table Schema observations.schema.json, observations.csv.sha256 (sha256sum format),
// sites.geojson and datapackage.json (a Frictionless Data Package naming each file with its
// sha256 and size). The version is the UTC hour span of the data, "<first>-<last>" as
// "20261101T05Z-20261101T08Z", so the same readings always land in the same place and a
// re-run replaces that version whole. The directory is written beside its final name and
// renamed into place, so a reader never sees half a version. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "observation.h"

namespace kfm::jobs::usgs {

struct WrittenDataset {
  std::string version;
  std::filesystem::path dir;  // OUT/<version>
  std::filesystem::path csv;  // OUT/<version>/observations.csv
  std::string csv_sha256;     // lower-case hex
  int64_t rows = 0;           // observations written
  int64_t bytes = 0;          // all files of the version together
};

// "20261101T05Z-20261101T08Z" for readings from 05:00 to 08:59 UTC. `observations` must not
// be empty.
std::string DatasetVersion(const std::vector<Observation>& observations);

// `sources` (the inputs, credentials already removed) are listed in datapackage.json.
// IoError naming the path where a file cannot be written.
Result<WrittenDataset> WriteDataset(const std::filesystem::path& out_dir,
                                    const std::vector<Observation>& observations,
                                    const std::vector<Site>& sites,
                                    const std::vector<std::string>& sources);

}  // namespace kfm::jobs::usgs
