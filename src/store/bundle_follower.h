// Automatic ingest of a run into KFM_HOME/history.sqlite as it happens: follows the run's span
// bundle (telemetry/otel/spans-kfm-run-<id>.json) and ingests the lines appended since the
// last call, so a node inside a pipeline (e.g. `kfm-energy rollup`) sees the nodes of its own
// run that finished before it. History problems never fail the run: they come back as a
// warning for stderr. One follower per run and thread; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace kfm::store {

class History;

class BundleFollower {
 public:
  BundleFollower(std::filesystem::path home, std::string run_id);
  ~BundleFollower();
  BundleFollower(const BundleFollower&) = delete;
  BundleFollower& operator=(const BundleFollower&) = delete;

  // Ingests the complete lines appended to the bundle since the last call. Returns "" or one
  // warning line ("history not updated: ..."; the same warning is returned only once); after
  // a failure, the next call retries the same lines.
  std::string CatchUp();

  // Spans stored so far (new ones, not duplicates).
  [[nodiscard]] std::int64_t new_spans() const { return new_spans_; }

 private:
  std::string Ingest();

  std::filesystem::path home_;
  std::string run_id_;
  std::unique_ptr<History> history_;
  std::uint64_t offset_ = 0;    // bytes of the bundle already ingested
  std::int64_t next_line_ = 1;  // line number at offset_
  std::int64_t new_spans_ = 0;
  std::string last_warning_;  // said once, not at every batch
};

// One-shot: ingests the whole bundle of `run_id` (duplicates are skipped, so calling it after
// a follower is harmless). Returns "" or a warning line.
std::string IngestRunBundle(const std::filesystem::path& home, const std::string& run_id);

}  // namespace kfm::store
