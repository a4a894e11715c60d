#include "store/history.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "store/migrations.h"
#include "store/otlp_spans.h"
#include "store/sqlite_statement.h"

namespace kfm::store {
namespace {

constexpr std::string_view kInsertNode = R"sql(
INSERT INTO nodes (trace_id, span_id, run_id, pipeline, node, domain, pipeline_kind, hostname,
  start_unix_nano, end_unix_nano, duration_s, ok, production, total_j, modelled, records_out,
  bytes_out, gco2e, intensity_gco2_per_kwh, carbon_region, carbon_resolution, carbon_table_id,
  carbon_table_version)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
  ?20, ?21, ?22, ?23)
ON CONFLICT (trace_id, span_id) DO NOTHING)sql";

constexpr std::string_view kInsertDevice = R"sql(
INSERT INTO device_energy (node_id, cpu_j, cpu_method, cpu_modelled, cpu_pkg_j, dram_j,
  dram_method, dram_modelled, gpu_j, gpu_method, gpu_modelled)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11))sql";

constexpr std::string_view kInsertRunSpan = R"sql(
INSERT INTO run_spans (trace_id, span_id, run_id, pipeline, pipeline_kind, hostname,
  start_unix_nano, end_unix_nano, ok, total_j, gco2e, modelled, nodes_total)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT (trace_id, span_id) DO NOTHING)sql";

constexpr std::string_view kNodeAggregate = R"sql(
SELECT count(*), min(start_unix_nano), max(end_unix_nano), min(ok), total(total_j), total(gco2e),
  max(modelled) FROM nodes WHERE run_id = ?1)sql";

constexpr std::string_view kFirstNode = R"sql(
SELECT pipeline, pipeline_kind, hostname FROM nodes WHERE run_id = ?1
ORDER BY start_unix_nano, id LIMIT 1)sql";

constexpr std::string_view kRunSpanOfRun = R"sql(
SELECT pipeline, pipeline_kind, hostname, start_unix_nano, end_unix_nano, ok, total_j, gco2e,
  modelled FROM run_spans WHERE run_id = ?1 ORDER BY end_unix_nano DESC LIMIT 1)sql";

constexpr std::string_view kUpsertRun = R"sql(
INSERT OR REPLACE INTO runs (run_id, pipeline, pipeline_kind, hostname, start_unix_nano,
  end_unix_nano, ok, node_count, total_j, gco2e, modelled, has_run_span)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))sql";

constexpr std::string_view kNodeColumns = R"sql(
SELECT n.trace_id, n.span_id, n.run_id, n.pipeline, n.node, n.domain, n.pipeline_kind,
  n.hostname, n.start_unix_nano, n.end_unix_nano, n.duration_s, n.ok, n.production, n.total_j,
  n.modelled, n.records_out, n.bytes_out, n.gco2e, n.intensity_gco2_per_kwh, n.carbon_region,
  n.carbon_resolution, n.carbon_table_id, n.carbon_table_version, d.cpu_j, d.cpu_method,
  d.cpu_pkg_j, d.dram_j, d.dram_method, d.gpu_j, d.gpu_method
FROM nodes n JOIN device_energy d ON d.node_id = n.id
WHERE n.end_unix_nano >= ?1 AND n.end_unix_nano < ?2)sql";

constexpr std::string_view kRunColumns = R"sql(
SELECT run_id, pipeline, pipeline_kind, hostname, start_unix_nano, end_unix_nano, ok,
  node_count, total_j, gco2e, modelled, has_run_span
FROM runs WHERE start_unix_nano >= ?1 AND start_unix_nano < ?2)sql";

// Text is bound without a copy (SQLITE_STATIC): a string must outlive the statement's step, so
// no temporary one.
template <typename Value>
constexpr bool kBindsSafely =
    !std::is_same_v<std::remove_cvref_t<Value>, std::string> || std::is_lvalue_reference_v<Value>;

// Resets `s` and binds `values` to its parameters ?1, ?2, ... in order.
template <typename... Values>
void BindInOrder(Statement& s, Values&&... values) {
  static_assert((kBindsSafely<Values> && ...), "a temporary string is gone before the step");
  s.Reset();
  int index = 0;
  (s.Bind(++index, std::forward<Values>(values)), ...);
}

// How Nodes and Runs read their table: the same query shape over different columns.
template <typename Record>
struct RecordQuery {
  std::string_view select;           // WHERE binds ?1 (since, inclusive) and ?2 (until)
  std::string_view pipeline_filter;  // binds ?3
  std::string_view run_filter;       // binds ?4
  std::string_view order_by;
  std::string_view records;  // in messages: "cannot query <records>"
  void (*read_row)(const Statement& row, Record& record);
};

void ReadNodeRow(const Statement& s, NodeRecord& n) {
  n.trace_id = s.Text(0);
  n.span_id = s.Text(1);
  n.run_id = s.Text(2);
  n.pipeline = s.Text(3);
  n.node = s.Text(4);
  n.domain = s.Text(5);
  n.pipeline_kind = s.Text(6);
  n.hostname = s.Text(7);
  n.start_unix_nano = s.Int(8);
  n.end_unix_nano = s.Int(9);
  n.duration_s = s.Real(10);
  n.ok = s.Int(11) != 0;
  n.production = s.Int(12) != 0;
  n.total_j = s.Real(13);
  n.modelled = s.Int(14) != 0;
  n.records_out = s.OptionalInt(15);
  n.bytes_out = s.OptionalInt(16);
  n.gco2e = s.Real(17);
  n.intensity_gco2_per_kwh = s.Real(18);
  n.carbon_region = s.Text(19);
  n.carbon_resolution = s.Text(20);
  n.carbon_table_id = s.Text(21);
  n.carbon_table_version = s.Text(22);
  n.cpu_j = s.Real(23);
  n.cpu_method = s.Text(24);
  n.cpu_pkg_j = s.Real(25);
  n.dram_j = s.Real(26);
  n.dram_method = s.Text(27);
  n.gpu_j = s.Real(28);
  n.gpu_method = s.Text(29);
}

void ReadRunRow(const Statement& s, RunRecord& r) {
  r.run_id = s.Text(0);
  r.pipeline = s.Text(1);
  r.pipeline_kind = s.Text(2);
  r.hostname = s.Text(3);
  r.start_unix_nano = s.Int(4);
  r.end_unix_nano = s.Int(5);
  r.ok = s.Int(6) != 0;
  r.node_count = static_cast<int>(s.Int(7));
  r.total_j = s.Real(8);
  r.gco2e = s.Real(9);
  r.modelled = s.Int(10) != 0;
  r.has_run_span = s.Int(11) != 0;
}

constexpr RecordQuery<NodeRecord> kNodeQuery{.select = kNodeColumns,
                                             .pipeline_filter = " AND n.pipeline = ?3",
                                             .run_filter = " AND n.run_id = ?4",
                                             .order_by = " ORDER BY n.end_unix_nano, n.id",
                                             .records = "nodes",
                                             .read_row = &ReadNodeRow};
constexpr RecordQuery<RunRecord> kRunQuery{.select = kRunColumns,
                                           .pipeline_filter = " AND pipeline = ?3",
                                           .run_filter = " AND run_id = ?4",
                                           .order_by = " ORDER BY start_unix_nano, run_id",
                                           .records = "runs",
                                           .read_row = &ReadRunRow};

Status HistoryError(const std::filesystem::path& path, sqlite3* db, std::string_view doing) {
  return Status::IoError("history " + path.string() + ": " + std::string(doing) + ": " +
                         sqlite3_errmsg(db));
}

// The records of `query` that `q` selects, in the query's order.
template <typename Record>
Result<std::vector<Record>> SelectRecords(sqlite3* db, const std::filesystem::path& path,
                                          const RecordQuery<Record>& query, const HistoryQuery& q) {
  std::string sql(query.select);
  if (!q.pipeline.empty()) sql += query.pipeline_filter;
  if (!q.run_id.empty()) sql += query.run_filter;
  sql += query.order_by;
  Statement s(db, sql);
  if (!s.valid()) return HistoryError(path, db, "cannot query " + std::string(query.records));
  s.Bind(1, q.since_unix_nano);
  s.Bind(2, q.until_unix_nano);
  if (!q.pipeline.empty()) s.Bind(3, std::string_view(q.pipeline));
  if (!q.run_id.empty()) s.Bind(4, std::string_view(q.run_id));
  std::vector<Record> out;
  int rc = 0;
  while ((rc = s.Step()) == SQLITE_ROW) query.read_row(s, out.emplace_back());
  if (rc != SQLITE_DONE) return HistoryError(path, db, "cannot read " + std::string(query.records));
  return out;
}

std::int64_t NowUnixNano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

IngestCounts& IngestCounts::operator+=(const IngestCounts& other) {
  lines += other.lines;
  new_nodes += other.new_nodes;
  duplicate_nodes += other.duplicate_nodes;
  new_runs += other.new_runs;
  duplicate_runs += other.duplicate_runs;
  other_spans += other.other_spans;
  runs_touched += other.runs_touched;
  return *this;
}

std::filesystem::path DefaultHistoryPath(const std::filesystem::path& kfm_home) {
  return kfm_home / "history.sqlite";
}

// Prepared once per connection: a pipeline runner ingests a few spans per batch, so preparing
// them per batch would cost more than the inserts.
struct IngestStatements {
  explicit IngestStatements(sqlite3* db)
      : insert_node(db, kInsertNode),
        insert_device(db, kInsertDevice),
        insert_run_span(db, kInsertRunSpan),
        aggregate(db, kNodeAggregate),
        first(db, kFirstNode),
        run_span(db, kRunSpanOfRun),
        upsert(db, kUpsertRun),
        log(db,
            "INSERT INTO ingest_log (source, ingested_unix_nano, lines, new_spans, "
            "duplicate_spans) VALUES (?1, ?2, ?3, ?4, ?5)") {}
  [[nodiscard]] bool valid() const {
    return insert_node.valid() && insert_device.valid() && insert_run_span.valid() &&
           aggregate.valid() && first.valid() && run_span.valid() && upsert.valid() && log.valid();
  }
  Statement insert_node, insert_device, insert_run_span, aggregate, first, run_span, upsert, log;
};

// The state of one ingest transaction.
class Ingest {
 public:
  Ingest(sqlite3* db, const std::filesystem::path& history, IngestStatements* statements)
      : db_(db),
        history_(history),
        statements_(statements),
        insert_node_(statements->insert_node),
        insert_device_(statements->insert_device),
        insert_run_span_(statements->insert_run_span) {}

  Status Begin() {
    if (!statements_->valid()) return Fail("cannot prepare the ingest statements");
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
      return Fail("cannot start a write transaction");
    open_ = true;
    return Status::Ok();
  }

  // Parses and stores one line.
  Status Line(std::string_view line, std::string_view source, std::int64_t number) {
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return Status::Ok();
    ++counts_.lines;
    parsed_.clear();
    where_.assign(source);
    where_ += ':';
    where_ += std::to_string(number);
    if (Status s = ParseOtlpLine(line, where_, parsed_); !s.ok()) return s;
    counts_.other_spans += parsed_.other_spans;
    for (const NodeRecord& n : parsed_.nodes) {
      if (Status s = StoreNode(n); !s.ok()) return s;
    }
    for (const RunSpanRecord& r : parsed_.runs) {
      if (Status s = StoreRunSpan(r); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Result<IngestCounts> Commit(std::string_view source) {
    if (Status s = RefreshRuns(); !s.ok()) return s;
    Statement& log = statements_->log;
    BindInOrder(log, source, NowUnixNano(), counts_.lines, counts_.new_spans(),
                counts_.duplicate_spans());
    if (log.Step() != SQLITE_DONE) return Fail("cannot log the ingest");
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
      return Fail("cannot commit");
    open_ = false;
    return counts_;
  }

  ~Ingest() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

 private:
  Status Fail(std::string_view doing) const {
    const int code = sqlite3_errcode(db_);
    std::string message = "history " + history_.string() + ": " + std::string(doing) + ": ";
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      message += "another process holds its write lock and did not release it in time (" +
                 std::string(sqlite3_errmsg(db_)) + "); nothing of this input was stored";
      return Status::Unavailable(std::move(message));
    }
    return Status::IoError(message + sqlite3_errmsg(db_));
  }

  Status StoreNode(const NodeRecord& n) {
    Statement& s = insert_node_;
    BindInOrder(s, n.trace_id, n.span_id, n.run_id, n.pipeline, n.node, n.domain, n.pipeline_kind,
                n.hostname, n.start_unix_nano, n.end_unix_nano, n.duration_s, n.ok, n.production,
                n.total_j, n.modelled, n.records_out, n.bytes_out, n.gco2e,
                n.intensity_gco2_per_kwh, n.carbon_region, n.carbon_resolution, n.carbon_table_id,
                n.carbon_table_version);
    auto stored =
        InsertOnce(s, "node span ", n.span_id, counts_.new_nodes, counts_.duplicate_nodes);
    if (!stored.ok()) return stored.status();
    if (!*stored) return Status::Ok();
    Statement& d = insert_device_;
    BindInOrder(d, static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_)), n.cpu_j, n.cpu_method,
                IsModelledMethod(n.cpu_method), n.cpu_pkg_j, n.dram_j, n.dram_method,
                IsModelledMethod(n.dram_method), n.gpu_j, n.gpu_method,
                IsModelledMethod(n.gpu_method));
    if (d.Step() != SQLITE_DONE) return Fail("cannot store device energy of span " + n.span_id);
    Touch(n.run_id);
    return Status::Ok();
  }

  Status StoreRunSpan(const RunSpanRecord& r) {
    Statement& s = insert_run_span_;
    BindInOrder(s, r.trace_id, r.span_id, r.run_id, r.pipeline, r.pipeline_kind, r.hostname,
                r.start_unix_nano, r.end_unix_nano, r.ok, r.total_j, r.gco2e, r.modelled,
                r.nodes_total);
    auto stored = InsertOnce(s, "run span ", r.span_id, counts_.new_runs, counts_.duplicate_runs);
    if (!stored.ok()) return stored.status();
    if (*stored) Touch(r.run_id);
    return Status::Ok();
  }

  // Steps `insert`, an INSERT ... ON CONFLICT DO NOTHING of the span `span_id` (a `kind`), and
  // counts the span as new or as a duplicate; true when it stored a row.
  Result<bool> InsertOnce(Statement& insert, const char* kind, const std::string& span_id,
                          std::int64_t& new_count, std::int64_t& duplicate_count) {
    if (insert.Step() != SQLITE_DONE) return Fail("cannot store " + (kind + span_id));
    const bool stored = sqlite3_changes(db_) != 0;
    ++(stored ? new_count : duplicate_count);
    return stored;
  }

  void Touch(const std::string& run_id) {
    if (last_touched_ == run_id) return;  // spans of one run come together
    last_touched_ = run_id;
    touched_.insert(run_id);
  }

  // Rewrites the summary row of every run this ingest added spans to.
  Status RefreshRuns() {
    Statement& aggregate = statements_->aggregate;
    Statement& first = statements_->first;
    Statement& run_span = statements_->run_span;
    Statement& upsert = statements_->upsert;
    for (const std::string& run_id : touched_) {
      RunRecord run;
      run.run_id = run_id;
      BindInOrder(aggregate, run_id);
      if (aggregate.Step() != SQLITE_ROW) return Fail("cannot sum the nodes of run " + run_id);
      run.node_count = static_cast<int>(aggregate.Int(0));
      if (run.node_count > 0) {
        run.start_unix_nano = aggregate.Int(1);
        run.end_unix_nano = aggregate.Int(2);
        run.ok = aggregate.Int(3) != 0;
        run.total_j = aggregate.Real(4);
        run.gco2e = aggregate.Real(5);
        run.modelled = aggregate.Int(6) != 0;
        BindInOrder(first, run_id);
        if (first.Step() == SQLITE_ROW) {
          run.pipeline = first.Text(0);
          run.pipeline_kind = first.Text(1);
          run.hostname = first.Text(2);
        }
      }
      BindInOrder(run_span, run_id);
      if (run_span.Step() == SQLITE_ROW) {
        // A pipeline's own run span says what the run was; the nodes give the figures.
        run.has_run_span = true;
        if (!run_span.Text(0).empty()) run.pipeline = run_span.Text(0);
        if (!run_span.Text(1).empty()) run.pipeline_kind = run_span.Text(1);
        if (!run_span.Text(2).empty()) run.hostname = run_span.Text(2);
        run.start_unix_nano = run_span.Int(3);
        run.end_unix_nano = run_span.Int(4);
        run.ok = run_span.Int(5) != 0;
        if (run.node_count == 0) {
          run.total_j = run_span.Real(6);
          run.gco2e = run_span.Real(7);
        }
        run.modelled = run.modelled || run_span.Int(8) != 0;
      }
      BindInOrder(upsert, run.run_id, run.pipeline, run.pipeline_kind, run.hostname,
                  run.start_unix_nano, run.end_unix_nano, run.ok, run.node_count, run.total_j,
                  run.gco2e, run.modelled, run.has_run_span);
      if (upsert.Step() != SQLITE_DONE) return Fail("cannot store run " + run_id);
    }
    // Cached statements must not keep a read snapshot open after the commit.
    aggregate.Reset();
    first.Reset();
    run_span.Reset();
    counts_.runs_touched = static_cast<std::int64_t>(touched_.size());
    return Status::Ok();
  }

  sqlite3* db_;
  const std::filesystem::path& history_;
  IngestStatements* statements_;
  Statement& insert_node_;
  Statement& insert_device_;
  Statement& insert_run_span_;
  bool open_ = false;
  IngestCounts counts_;
  ParsedSpans parsed_;
  std::string where_;
  std::string last_touched_;
  std::unordered_set<std::string> touched_;
};

namespace {

// With checkpoint-on-close off, the WAL outlives each process; it is folded into the database
// and truncated by whoever closes it once it is this large (tens of `kfm-energy run`s), and by
// SQLite's automatic checkpoint (1000 pages) during long ingests.
constexpr std::uintmax_t kTruncateWalBytes = 1 << 20;

void CloseConnection(sqlite3* db, const std::filesystem::path& path) {
  if (db == nullptr) return;
  std::error_code ec;
  const auto wal_bytes = std::filesystem::file_size(path.string() + "-wal", ec);
  if (!ec && wal_bytes > kTruncateWalBytes) {
    // Never wait long here: if another process is busy with the file, it truncates later.
    sqlite3_busy_timeout(db, 100);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  sqlite3_close_v2(db);
}

}  // namespace

History::History(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

History::History(History&& other) noexcept
    : path_(std::move(other.path_)),
      db_(std::exchange(other.db_, nullptr)),
      statements_(std::move(other.statements_)) {}

History& History::operator=(History&& other) noexcept {
  if (this != &other) {
    statements_.reset();
    CloseConnection(db_, path_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
    statements_ = std::move(other.statements_);
  }
  return *this;
}

History::~History() {
  statements_.reset();  // finalized before the connection closes
  CloseConnection(db_, path_);
}

IngestStatements* History::Statements() {
  if (statements_ == nullptr) statements_ = std::make_unique<IngestStatements>(db_);
  return statements_.get();
}

Status History::Error(std::string_view doing) const { return HistoryError(path_, db_, doing); }

Status History::Exec(const char* sql) const {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
  return Status::Ok();
}

Result<History> History::Open(const std::filesystem::path& path, HistoryOptions options) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return Status::IoError("history " + path.string() +
                           ": cannot create its directory: " + ec.message());
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  History history(path, db);
  if (rc != SQLITE_OK) {
    return Status::IoError("history " + path.string() + ": cannot open: " +
                           (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // Closing does not checkpoint the WAL into the database (two fsyncs and an unlink, ~16 ms
  // here): `kfm-energy run` opens, ingests one node and closes. See CloseConnection.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_extended_result_codes(db, 0);
  // Reading the schema reads the file header: a file that is not SQLite fails here.
  if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    const int code = sqlite3_errcode(db);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return Status::InvalidArgument(
          "history " + path.string() + " is not an SQLite database (or is corrupt): " +
          sqlite3_errmsg(db) + "; move it aside, and kfm-energy starts a new one");
    }
    return history.Error("cannot read");
  }
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes.
  if (Status s = history.Exec("PRAGMA journal_mode = WAL"); !s.ok()) return s;
  if (Status s = history.Exec("PRAGMA synchronous = NORMAL"); !s.ok()) return s;
  if (Status s = history.Exec("PRAGMA cache_size = -65536"); !s.ok()) return s;
  if (Status s = MigrateTo(db, path, kHistorySchemaVersion); !s.ok()) return s;
  return history;
}

Result<int> History::SchemaVersion() const {
  Statement s(db_, "PRAGMA user_version");
  if (!s.valid() || s.Step() != SQLITE_ROW) return Error("cannot read the schema version");
  return static_cast<int>(s.Int(0));
}

Result<std::vector<NodeRecord>> History::Nodes(const HistoryQuery& q) const {
  return SelectRecords(db_, path_, kNodeQuery, q);
}

Result<std::vector<RunRecord>> History::Runs(const HistoryQuery& q) const {
  return SelectRecords(db_, path_, kRunQuery, q);
}

Result<IngestCounts> History::IngestText(std::string_view text, std::string_view source,
                                         std::int64_t first_line) {
  Ingest ingest(db_, path_, Statements());
  if (Status s = ingest.Begin(); !s.ok()) return s;
  std::int64_t number = first_line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (Status s = ingest.Line(text.substr(pos, end - pos), source, number); !s.ok()) return s;
    pos = end + 1;
    ++number;
  }
  return ingest.Commit(source);
}

Result<IngestCounts> History::IngestFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound(file.string() + ": cannot open for reading");
  const std::string source = file.string();
  Ingest ingest(db_, path_, Statements());
  if (Status s = ingest.Begin(); !s.ok()) return s;
  // Read in chunks (a line may span chunks), no larger than the file: a bundle is a few
  // hundred KiB, and a buffer is zero-filled when it grows.
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(file, size_error);
  const std::size_t kChunk =
      size_error ? std::size_t{1} << 20
                 : static_cast<std::size_t>(std::clamp<std::uintmax_t>(size + 1, 4096, 8 << 20));
  std::string buffer;
  std::int64_t number = 1;
  for (;;) {
    const std::size_t kept = buffer.size();
    buffer.resize(kept + kChunk);
    in.read(buffer.data() + kept, static_cast<std::streamsize>(kChunk));
    const auto got = static_cast<std::size_t>(in.gcount());
    buffer.resize(kept + got);
    const bool eof = got == 0;
    if (in.bad()) return Status::IoError(source + ": read failed");
    std::string_view view(buffer);
    std::size_t pos = 0;
    for (;;) {
      std::size_t end = view.find('\n', pos);
      if (end == std::string_view::npos) {
        if (!eof) break;
        if (pos >= view.size()) break;
        end = view.size();
      }
      if (Status s = ingest.Line(view.substr(pos, end - pos), source, number); !s.ok()) return s;
      ++number;
      pos = end + 1;
    }
    if (eof) break;
    buffer.erase(0, pos);
  }
  return ingest.Commit(source);
}

}  // namespace kfm::store
