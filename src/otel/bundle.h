// The bundle files under KFM_HOME, the durable record written before any network export:
// spans as OTLP JSON lines (appended) and the per-run energy document (merged). Writers take
// an exclusive flock, so any number of processes of one run may write at once without torn
// or lost records. Functions are thread-safe and process-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kfm/status.h"

namespace kfm::otel {

// KFM_HOME, else "./kfm-data".
std::filesystem::path HomeFromEnv();

// A run id or node name that is safe as part of a file name and matches the schemas:
// letters, digits, '.', '_', '-', starting with a letter or digit, at most 128 characters,
// never "..". InvalidArgument names `what` and the value.
Status CheckPathComponent(std::string_view what, std::string_view value);

struct BundlePaths {
  std::filesystem::path spans;   // telemetry/otel/spans-kfm-run-<id>.json
  std::filesystem::path energy;  // telemetry/energy/kfm-run-<id>.json
  std::filesystem::path carbon;  // telemetry/carbon/kfm-run-<id>.json
};
BundlePaths PathsForRun(const std::filesystem::path& home, const std::string& run_id);

// Writes `data` to `file` through a temporary file beside it, fsync'd, then renamed over it:
// readers see the old bytes or the new ones, never a part. `mode` applies to a new file.
Status WriteFileAtomically(const std::filesystem::path& file, std::string_view data,
                           mode_t mode = 0644);

// Appends `line` plus a newline with one write under an exclusive lock.
Status AppendLine(const std::filesystem::path& file, std::string_view line);

// Reads the JSON document at `file` (or null when absent), lets `update` change it and
// replaces the file atomically, all under the lock file `<file>.lock`. A corrupt document is
// kept aside as `<file>.corrupt-<unix time>` and reported, never silently overwritten.
Status UpdateJsonDocument(const std::filesystem::path& file,
                          const std::function<void(nlohmann::json&)>& update,
                          std::string* warning = nullptr);

}  // namespace kfm::otel
