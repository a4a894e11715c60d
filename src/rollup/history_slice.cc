#include "rollup/history_slice.h"

#include <algorithm>
#include <set>
#include <system_error>
#include <utility>

#include "otel/bundle.h"
#include "store/history.h"

namespace kfm::rollup {

std::filesystem::path HistoryPath(const std::string& option) {
  return option.empty() ? store::DefaultHistoryPath(otel::HomeFromEnv())
                        : std::filesystem::path(option);
}

Result<HistorySlice> LoadHistorySlice(const std::filesystem::path& path,
                                      std::int64_t since_unix_nano, std::int64_t until_unix_nano,
                                      const std::string& pipeline, const std::string& run_id) {
  HistorySlice slice;
  slice.path = path;
  std::error_code ec;
  slice.exists = std::filesystem::exists(path, ec);
  if (!slice.exists) return slice;
  auto history = store::History::Open(path);
  if (!history.ok()) return history.status();
  std::vector<store::HistoryQuery> queries;
  store::HistoryQuery window;
  window.since_unix_nano = since_unix_nano;
  window.until_unix_nano = until_unix_nano;
  window.pipeline = pipeline;
  queries.push_back(window);
  if (!run_id.empty()) {
    store::HistoryQuery one;
    one.run_id = run_id;
    queries.push_back(one);
  }
  if (queries.size() == 1) {
    // One query: the store already orders and never repeats a record.
    auto runs = history->Runs(window);
    if (!runs.ok()) return runs.status();
    slice.runs = std::move(runs.value());
    auto nodes = history->Nodes(window);
    if (!nodes.ok()) return nodes.status();
    slice.nodes = std::move(nodes.value());
    return slice;
  }
  std::set<std::string> run_ids;
  std::set<std::pair<std::string, std::string>> span_ids;
  for (const auto& q : queries) {
    auto runs = history->Runs(q);
    if (!runs.ok()) return runs.status();
    for (auto& run : runs.value()) {
      if (run_ids.insert(run.run_id).second) slice.runs.push_back(std::move(run));
    }
    auto nodes = history->Nodes(q);
    if (!nodes.ok()) return nodes.status();
    for (auto& node : nodes.value()) {
      if (span_ids.insert({node.trace_id, node.span_id}).second) {
        slice.nodes.push_back(std::move(node));
      }
    }
  }
  std::stable_sort(slice.runs.begin(), slice.runs.end(), [](const auto& a, const auto& b) {
    return a.start_unix_nano < b.start_unix_nano;
  });
  std::stable_sort(slice.nodes.begin(), slice.nodes.end(),
                   [](const auto& a, const auto& b) { return a.end_unix_nano < b.end_unix_nano; });
  return slice;
}

}  // namespace kfm::rollup
