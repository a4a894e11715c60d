// How rollup, slo and gate read the run history: the file named by --history (default
// $KFM_HOME/history.sqlite), or nothing at all when it does not exist yet (an empty history
// is not an error; it is never created by a reader). One History per call; thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "store/records.h"

namespace kfm::rollup {

struct HistorySlice {
  std::filesystem::path path;
  bool exists = false;
  std::vector<store::RunRecord> runs;    // by start time, no run id twice
  std::vector<store::NodeRecord> nodes;  // by end time, no span twice
};

// `option` empty -> store::DefaultHistoryPath(otel::HomeFromEnv()).
std::filesystem::path HistoryPath(const std::string& option);

// Runs started and nodes ended in [since, until) of `pipeline` (empty = all), and when
// `run_id` is not empty, that run and its nodes wherever they fall. A history that cannot be
// opened is the store's error (naming the file).
Result<HistorySlice> LoadHistorySlice(
    const std::filesystem::path& path, std::int64_t since_unix_nano,
    std::int64_t until_unix_nano = std::numeric_limits<std::int64_t>::max(),
    const std::string& pipeline = "", const std::string& run_id = "");

}  // namespace kfm::rollup
