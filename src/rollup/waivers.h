// The gate's waivers file: known, accepted regressions with a reason and an expiry date, so a
// deliberate change does not block CI forever.
//
//   waivers:
//     - metric: gco2e_per_record       # gco2e_per_record | j_per_record | gco2e_per_node
//       pipeline: nightly              # pipeline and/or node: at least one
//       node: hrrr_ingest              # optional; without it the waiver covers the whole run
//       reason: "GRIB decoder v3 decodes two more fields; accepted in #142"
//       expires: 2026-12-31            # UTC date; valid through that day
//
// Loading is a pure function of the file's bytes; values are plain and thread-safe to copy.
// See docs/reference/gate.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::rollup {

struct Waiver {
  std::string metric;
  std::string pipeline;  // empty = any pipeline
  std::string node;      // empty = the run figure and every node
  std::string reason;
  std::string expires;                     // YYYY-MM-DD as written
  std::int64_t expires_end_unix_nano = 0;  // end of that UTC day (exclusive)
  std::string where;                       // "<file>:<line>" for messages
};

struct WaiverFile {
  std::string path;
  std::vector<Waiver> waivers;
};

// Unknown keys, a missing metric/reason/expires, an unknown metric, neither pipeline nor node,
// or a date that is not YYYY-MM-DD are InvalidArgument "<file>:<line>:<column>: <field>: <what>".
Result<WaiverFile> LoadWaiverFile(const std::filesystem::path& path);
Result<WaiverFile> ParseWaiverFile(std::string_view yaml, const std::filesystem::path& path);

// The known gate metric names, for messages: "gco2e_per_record, j_per_record, gco2e_per_node".
std::string_view GateMetricNames();

}  // namespace kfm::rollup
