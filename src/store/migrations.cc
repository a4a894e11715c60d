#include "store/migrations.h"

#include <sqlite3.h>

#include <array>
#include <string>

#include "store/history.h"

namespace kfm::store {
namespace {

// Never edit a migration that has shipped: add the next one.
constexpr std::array<const char*, kHistorySchemaVersion> kMigrations = {
    // 1: runs, node spans and their per-device energy.
    R"sql(
CREATE TABLE nodes (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  node TEXT NOT NULL,
  domain TEXT NOT NULL,
  pipeline_kind TEXT NOT NULL,
  hostname TEXT NOT NULL,
  start_unix_nano INTEGER NOT NULL,
  end_unix_nano INTEGER NOT NULL,
  duration_s REAL NOT NULL,
  ok INTEGER NOT NULL,
  production INTEGER NOT NULL,
  total_j REAL NOT NULL,
  modelled INTEGER NOT NULL,
  records_out INTEGER,
  bytes_out INTEGER,
  gco2e REAL NOT NULL,
  intensity_gco2_per_kwh REAL NOT NULL,
  carbon_region TEXT NOT NULL,
  carbon_resolution TEXT NOT NULL,
  carbon_table_id TEXT NOT NULL,
  carbon_table_version TEXT NOT NULL
);
CREATE UNIQUE INDEX nodes_by_span ON nodes (trace_id, span_id);
CREATE INDEX nodes_by_run ON nodes (run_id);
CREATE INDEX nodes_by_end ON nodes (end_unix_nano);
CREATE TABLE device_energy (
  node_id INTEGER PRIMARY KEY REFERENCES nodes (id),
  cpu_j REAL NOT NULL,
  cpu_method TEXT NOT NULL,
  cpu_modelled INTEGER NOT NULL,
  cpu_pkg_j REAL NOT NULL,
  dram_j REAL NOT NULL,
  dram_method TEXT NOT NULL,
  dram_modelled INTEGER NOT NULL,
  gpu_j REAL NOT NULL,
  gpu_method TEXT NOT NULL,
  gpu_modelled INTEGER NOT NULL
);
CREATE TABLE run_spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  pipeline_kind TEXT NOT NULL,
  hostname TEXT NOT NULL,
  start_unix_nano INTEGER NOT NULL,
  end_unix_nano INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  total_j REAL NOT NULL,
  gco2e REAL NOT NULL,
  modelled INTEGER NOT NULL,
  nodes_total INTEGER,
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX run_spans_by_run ON run_spans (run_id);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  pipeline_kind TEXT NOT NULL,
  hostname TEXT NOT NULL,
  start_unix_nano INTEGER NOT NULL,
  end_unix_nano INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  node_count INTEGER NOT NULL,
  total_j REAL NOT NULL,
  gco2e REAL NOT NULL,
  modelled INTEGER NOT NULL,
  has_run_span INTEGER NOT NULL
);
CREATE INDEX runs_by_start ON runs (start_unix_nano);
)sql",
    // 2: what was ingested from where, and when (kfm-energy ingest, automatic ingest).
    R"sql(
CREATE TABLE ingest_log (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  ingested_unix_nano INTEGER NOT NULL,
  lines INTEGER NOT NULL,
  new_spans INTEGER NOT NULL,
  duplicate_spans INTEGER NOT NULL
);
CREATE INDEX nodes_by_pipeline_end ON nodes (pipeline, end_unix_nano);
)sql",
};

Status SqlError(sqlite3* db, const std::filesystem::path& file, const std::string& doing) {
  return Status::IoError("history " + file.string() + ": " + doing + ": " + sqlite3_errmsg(db));
}

int UserVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return version;
}

}  // namespace

Status MigrateTo(sqlite3* db, const std::filesystem::path& file, int target) {
  // Up to date: no write lock needed, so opening never waits for another process's ingest.
  if (UserVersion(db) == target && target == kHistorySchemaVersion) return Status::Ok();
  // BEGIN IMMEDIATE first: two processes opening a new file migrate it one after the other.
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return SqlError(db, file, "cannot lock the history for its schema check");
  auto rollback = [db] { sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); };
  sqlite3_stmt* stmt = nullptr;
  int version = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_ROW) {
    sqlite3_finalize(stmt);
    Status s = SqlError(db, file, "not a readable SQLite database");
    rollback();
    return s;
  }
  version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  if (version > kHistorySchemaVersion) {
    rollback();
    return Status::InvalidArgument(
        "history " + file.string() + " has schema version " + std::to_string(version) +
        ", newer than this kfm-energy (" + KFM_VERSION + ") understands (" +
        std::to_string(kHistorySchemaVersion) + "); use a newer kfm-energy or another KFM_HOME");
  }
  for (int next = version + 1; next <= target && next <= kHistorySchemaVersion; ++next) {
    if (sqlite3_exec(db, kMigrations[next - 1], nullptr, nullptr, nullptr) != SQLITE_OK) {
      Status s = SqlError(db, file, "migration " + std::to_string(next) + " failed");
      rollback();
      return s;
    }
    const std::string set_version = "PRAGMA user_version = " + std::to_string(next);
    if (sqlite3_exec(db, set_version.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      Status s = SqlError(db, file, "cannot record schema version " + std::to_string(next));
      rollback();
      return s;
    }
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status s = SqlError(db, file, "cannot commit the schema migration");
    rollback();
    return s;
  }
  return Status::Ok();
}

}  // namespace kfm::store
