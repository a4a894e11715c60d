// The run history: one SQLite file (KFM_HOME/history.sqlite) holding every run, node span and
// the node's per-device energy, filled by ingesting OTLP JSON lines (our span bundles, an
// OpenTelemetry Collector's file exporter) and read by runs/rollup/gate/slo/report/lineage.
// A History owns one connection: use one per thread (it is movable, not copyable, and not
// thread-safe). Any number of processes may read and ingest the same file at once (WAL mode,
// busy timeout, BEGIN IMMEDIATE per file): concurrent ingests wait for each other, none loses
// rows.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"
#include "store/records.h"

struct sqlite3;

namespace kfm::store {

struct IngestStatements;

// <home>/history.sqlite
std::filesystem::path DefaultHistoryPath(const std::filesystem::path& kfm_home);

// The schema version this build writes; Open migrates older files up to it and refuses newer.
inline constexpr int kHistorySchemaVersion = 2;

// Which records a query returns. Times are Unix nanoseconds, `since` inclusive, `until`
// exclusive; Nodes filters and orders by end time, Runs by start time.
struct HistoryQuery {
  std::int64_t since_unix_nano = 0;
  std::int64_t until_unix_nano = std::numeric_limits<std::int64_t>::max();
  std::string pipeline;  // empty = all
  std::string run_id;    // empty = all
};

// What one ingest added. A span already in the history (same trace_id + span_id) is a
// duplicate and changes nothing.
struct IngestCounts {
  std::int64_t lines = 0;            // non-empty JSON lines read
  std::int64_t new_nodes = 0;        // etl.node.* spans stored
  std::int64_t duplicate_nodes = 0;  // etl.node.* spans already stored
  std::int64_t new_runs = 0;         // etl.run spans stored
  std::int64_t duplicate_runs = 0;   // etl.run spans already stored
  std::int64_t other_spans = 0;      // spans that are neither (not part of the contract), skipped
  std::int64_t runs_touched = 0;     // distinct run ids whose summary was refreshed

  IngestCounts& operator+=(const IngestCounts& other);
  [[nodiscard]] std::int64_t new_spans() const { return new_nodes + new_runs; }
  [[nodiscard]] std::int64_t duplicate_spans() const { return duplicate_nodes + duplicate_runs; }
};

struct HistoryOptions {
  // How long a writer waits for another process's write lock before giving up with an error
  // naming the file.
  std::chrono::milliseconds busy_timeout{30000};
};

class History {
 public:
  // Opens (creating it and its directory if absent) and migrates the history at `path`.
  // A file that is not an SQLite database, or was written by a newer kfm-energy, is an error
  // naming the file.
  static Result<History> Open(const std::filesystem::path& path, HistoryOptions options = {});

  History(History&& other) noexcept;
  History& operator=(History&& other) noexcept;
  History(const History&) = delete;
  History& operator=(const History&) = delete;
  ~History();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // PRAGMA user_version of the open file (kHistorySchemaVersion after Open).
  [[nodiscard]] Result<int> SchemaVersion() const;

  // Node spans whose end time is in [since, until), oldest end first.
  Result<std::vector<NodeRecord>> Nodes(const HistoryQuery& q) const;
  // Runs whose start time is in [since, until), oldest start first.
  Result<std::vector<RunRecord>> Runs(const HistoryQuery& q) const;

  // Ingests one OTLP JSON lines file in one transaction: either every span of the file is
  // stored (or found to be a duplicate) or, on the first malformed line, nothing of the file
  // is and the error (InvalidArgument) names file:line and the field.
  Result<IngestCounts> IngestFile(const std::filesystem::path& file);
  // The same for text already in memory: newline-separated ExportTraceServiceRequest JSON
  // lines; `source` names it in messages, `first_line` is the line number of its first line.
  Result<IngestCounts> IngestText(std::string_view text, std::string_view source,
                                  std::int64_t first_line = 1);

 private:
  History(std::filesystem::path path, sqlite3* db);
  Status Exec(const char* sql) const;
  Status Error(std::string_view doing) const;
  IngestStatements* Statements();

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<IngestStatements> statements_;  // prepared on the first ingest
};

}  // namespace kfm::store
