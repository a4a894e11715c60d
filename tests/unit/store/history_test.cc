// The history store: ingest of OTLP JSON lines, dedupe, run summaries, queries, migrations and
// the errors a user sees for bad files.
#include "store/history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "span_lines.h"
#include "store/migrations.h"
#include "subprocess.h"

namespace kfm::store {
namespace {

using testing::NodeLine;
using testing::RunLine;
using testing::TestNode;
using testing::TestRun;

std::filesystem::path DbIn(const kfm::testing::TempDir& dir) {
  return std::filesystem::path(dir.path()) / "history.sqlite";
}

TestNode Node(const std::string& run, const std::string& span, const std::string& node,
              std::int64_t end_s, double total_j, double gco2e) {
  TestNode n;
  n.run_id = run;
  n.span_id = span;
  n.node = node;
  n.pipeline = "nightly";
  n.end_ns = end_s * 1'000'000'000;
  n.start_ns = n.end_ns - 500'000'000;
  n.total_j = total_j;
  n.cpu_j = total_j * 0.75;
  n.dram_j = total_j * 0.25;
  n.gco2e = gco2e;
  return n;
}

TEST(History, DefaultPathIsUnderHome) {
  EXPECT_EQ(DefaultHistoryPath("/x/home"), std::filesystem::path("/x/home/history.sqlite"));
}

TEST(History, StoresNodeSpansWithEveryFieldAndOrdersByEndTime) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok()) << history.status().message();
  TestNode late = Node("run-1", "00000000000000a2", "late", 1'700'000'200, 4.0, 0.004);
  TestNode early = Node("run-1", "00000000000000a1", "early", 1'700'000'100, 2.0, 0.002);
  early.records_out = std::nullopt;
  early.modelled = true;
  early.cpu_method = "model-ccf-default";
  auto counts = history->IngestText(NodeLine({late, early}), "test");
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->new_nodes, 2);
  EXPECT_EQ(counts->duplicate_nodes, 0);
  EXPECT_EQ(counts->lines, 1);

  auto nodes = history->Nodes({});
  ASSERT_TRUE(nodes.ok()) << nodes.status().message();
  ASSERT_EQ(nodes->size(), 2u);
  const NodeRecord& a = (*nodes)[0];
  EXPECT_EQ(a.node, "early");
  EXPECT_EQ(a.span_id, early.span_id);
  EXPECT_EQ(a.trace_id, early.trace_id);
  EXPECT_EQ(a.run_id, "run-1");
  EXPECT_EQ(a.pipeline, "nightly");
  EXPECT_EQ(a.hostname, "host-a");
  EXPECT_EQ(a.domain, "hydro");
  EXPECT_EQ(a.end_unix_nano, early.end_ns);
  EXPECT_EQ(a.start_unix_nano, early.start_ns);
  EXPECT_DOUBLE_EQ(a.total_j, early.total_j);
  EXPECT_DOUBLE_EQ(a.cpu_j, early.cpu_j);
  EXPECT_DOUBLE_EQ(a.dram_j, early.dram_j);
  EXPECT_DOUBLE_EQ(a.cpu_pkg_j, early.cpu_j * 2);
  EXPECT_DOUBLE_EQ(a.gco2e, early.gco2e);
  EXPECT_DOUBLE_EQ(a.duration_s, 0.5);
  EXPECT_EQ(a.cpu_method, "model-ccf-default");
  EXPECT_TRUE(a.modelled);
  EXPECT_FALSE(a.records_out.has_value());
  EXPECT_EQ(a.carbon_table_id, "electricitymaps-yearly");
  const NodeRecord& b = (*nodes)[1];
  EXPECT_EQ(b.node, "late");
  EXPECT_EQ(b.records_out, 10);
  EXPECT_FALSE(b.modelled);
}

// The columns no query reads back: the ingest log and each device's modelled flag.
TEST(History, TheIngestLogAndTheDeviceModelledFlagsAreStoredInTheirColumns) {
  kfm::testing::TempDir dir;
  const auto path = DbIn(dir);
  {
    auto history = History::Open(path);
    ASSERT_TRUE(history.ok()) << history.status().message();
    TestNode modelled = Node("run-1", "00000000000000b1", "modelled", 1'700'000'100, 2.0, 0.002);
    modelled.cpu_method = "model-ccf-default";  // the test lines give DRAM the CPU's method
    modelled.gpu_method = "nvml";
    TestNode measured = Node("run-1", "00000000000000b2", "measured", 1'700'000'200, 4.0, 0.004);
    const std::string text =
        NodeLine({modelled}) + "\n" + NodeLine({measured}) + "\n" + NodeLine({measured}) + "\n";
    auto counts = history->IngestText(text, "source-x");
    ASSERT_TRUE(counts.ok()) << counts.status().message();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto rows = [db](const char* sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row += (i > 0 ? "|" : "") + std::string(text != nullptr ? text : "NULL");
      }
      out.push_back(row);
    }
    sqlite3_finalize(stmt);
    return out;
  };
  // Three lines, two new node spans, one duplicate.
  EXPECT_EQ(rows("SELECT source, lines, new_spans, duplicate_spans FROM ingest_log"),
            (std::vector<std::string>{"source-x|3|2|1"}));
  EXPECT_EQ(rows("SELECT n.node, d.cpu_method, d.cpu_modelled, d.dram_method, d.dram_modelled, "
                 "d.gpu_method, d.gpu_modelled FROM nodes n JOIN device_energy d ON d.node_id = "
                 "n.id ORDER BY n.node"),
            (std::vector<std::string>{"measured|rapl|0|rapl|0|none|0",
                                      "modelled|model-ccf-default|1|model-ccf-default|1|nvml|0"}));
  sqlite3_close(db);
}

TEST(History, TheSameSpanTwiceIsStoredOnce) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  const std::string line = NodeLine({Node("run-1", "00000000000000b1", "a", 1'700'000'100, 3, 1)});
  ASSERT_TRUE(history->IngestText(line, "first").ok());
  auto again = history->IngestText(line + "\n" + line + "\n", "second");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->new_nodes, 0);
  EXPECT_EQ(again->duplicate_nodes, 2);
  auto nodes = history->Nodes({});
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 1u);
  auto runs = history->Runs({});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_DOUBLE_EQ((*runs)[0].total_j, 3);
}

TEST(History, RunsWithoutARunSpanAreDerivedFromTheirNodes) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  TestNode a = Node("run-1", "00000000000000c1", "a", 1'700'000'100, 3.25, 0.5);
  TestNode b = Node("run-1", "00000000000000c2", "b", 1'700'000'300, 1.5, 0.25);
  b.error = true;
  b.modelled = true;
  TestNode other = Node("run-2", "00000000000000c3", "a", 1'700'000'500, 7, 2);
  other.pipeline = std::nullopt;  // a `kfm-energy run` span: the node names the pipeline
  ASSERT_TRUE(history->IngestText(NodeLine({a}) + "\n" + NodeLine({b}), "x").ok());
  ASSERT_TRUE(history->IngestText(NodeLine({other}), "y").ok());
  auto runs = history->Runs({});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 2u);
  const RunRecord& r1 = (*runs)[0];
  EXPECT_EQ(r1.run_id, "run-1");
  EXPECT_EQ(r1.pipeline, "nightly");
  EXPECT_EQ(r1.node_count, 2);
  EXPECT_DOUBLE_EQ(r1.total_j, a.total_j + b.total_j);
  EXPECT_DOUBLE_EQ(r1.gco2e, a.gco2e + b.gco2e);
  EXPECT_EQ(r1.start_unix_nano, a.start_ns);
  EXPECT_EQ(r1.end_unix_nano, b.end_ns);
  EXPECT_FALSE(r1.ok);
  EXPECT_TRUE(r1.modelled);
  EXPECT_FALSE(r1.has_run_span);
  const RunRecord& r2 = (*runs)[1];
  EXPECT_EQ(r2.run_id, "run-2");
  EXPECT_EQ(r2.pipeline, "a");
  EXPECT_TRUE(r2.ok);
  EXPECT_FALSE(r2.modelled);
}

TEST(History, ARunSpanGivesTheRunItsPipelineTimesAndStatus) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  TestNode a = Node("run-9", "00000000000000d1", "a", 1'700'000'001, 2, 0.1);
  TestRun run;
  run.run_id = "run-9";
  run.pipeline = "weekly";
  run.error = true;
  run.total_j = 999;  // the nodes' sum wins where there are nodes
  // The run span may arrive before or after its nodes.
  ASSERT_TRUE(history->IngestText(RunLine(run), "run").ok());
  ASSERT_TRUE(history->IngestText(NodeLine({a}), "nodes").ok());
  auto runs = history->Runs({});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].pipeline, "weekly");
  EXPECT_EQ((*runs)[0].start_unix_nano, run.start_ns);
  EXPECT_EQ((*runs)[0].end_unix_nano, run.end_ns);
  EXPECT_FALSE((*runs)[0].ok);
  EXPECT_TRUE((*runs)[0].has_run_span);
  EXPECT_EQ((*runs)[0].node_count, 1);
  EXPECT_DOUBLE_EQ((*runs)[0].total_j, 2);
}

TEST(History, QueriesFilterByTimePipelineAndRun) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  std::string text;
  for (int i = 0; i < 10; ++i) {
    TestNode n = Node("run-" + std::to_string(i % 3), "00000000000001" + std::to_string(10 + i),
                      "n" + std::to_string(i), 1'700'000'000 + 100 * i, i, i);
    if (i % 2 == 1) n.pipeline = "odd";
    text += NodeLine({n}) + "\n";
  }
  ASSERT_TRUE(history->IngestText(text, "many").ok());
  HistoryQuery q;
  q.since_unix_nano = std::int64_t{1'700'000'200} * 1'000'000'000;
  q.until_unix_nano = std::int64_t{1'700'000'600} * 1'000'000'000;
  auto nodes = history->Nodes(q);
  ASSERT_TRUE(nodes.ok());
  std::vector<std::string> names;
  for (const auto& n : *nodes) names.push_back(n.node);
  EXPECT_EQ(names, (std::vector<std::string>{"n2", "n3", "n4", "n5"}));
  q.pipeline = "odd";
  nodes = history->Nodes(q);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].node, "n3");
  HistoryQuery by_run;
  by_run.run_id = "run-1";
  nodes = history->Nodes(by_run);
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 3u);  // i = 1, 4, 7
  auto runs = history->Runs(by_run);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_DOUBLE_EQ((*runs)[0].total_j, 1 + 4 + 7);
}

// Runs share Nodes' query code but filter and order by the run's start time.
TEST(History, RunQueriesFilterByStartTimePipelineAndRun) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  std::string text;
  // run-<i> has one node ending at 1'700'000'000 + 100 i s; listed newest first on purpose.
  for (int i = 5; i >= 0; --i) {
    TestNode n = Node("run-" + std::to_string(i), "00000000000002" + std::to_string(10 + i),
                      "n" + std::to_string(i), 1'700'000'000 + 100 * i, i, i);
    if (i % 2 == 1) n.pipeline = "odd";
    text += NodeLine({n}) + "\n";
  }
  ASSERT_TRUE(history->IngestText(text, "runs").ok());
  auto ids = [](const std::vector<RunRecord>& runs) {
    std::vector<std::string> out;
    for (const auto& r : runs) out.push_back(r.run_id);
    return out;
  };
  HistoryQuery q;
  // A run starts half a second before its node ends (Node above).
  q.since_unix_nano = std::int64_t{1'700'000'100} * 1'000'000'000 - 500'000'000;
  q.until_unix_nano = std::int64_t{1'700'000'400} * 1'000'000'000 - 500'000'000;
  auto runs = history->Runs(q);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(ids(*runs), (std::vector<std::string>{"run-1", "run-2", "run-3"}));
  q.pipeline = "odd";
  runs = history->Runs(q);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(ids(*runs), (std::vector<std::string>{"run-1", "run-3"}));
  q.run_id = "run-3";
  runs = history->Runs(q);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(ids(*runs), (std::vector<std::string>{"run-3"}));
  EXPECT_EQ((*runs)[0].pipeline, "odd");
  EXPECT_DOUBLE_EQ((*runs)[0].total_j, 3);
  q.run_id = "run-2";  // in the window, but not of pipeline "odd"
  runs = history->Runs(q);
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST(History, AMalformedLineStoresNothingOfTheInputAndNamesLineAndField) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  const std::string good = NodeLine({Node("run-1", "00000000000000e1", "a", 1'700'000'100, 1, 1)});
  std::string bad = NodeLine({Node("run-1", "00000000000000e2", "b", 1'700'000'200, 1, 1)});
  const std::string needle = R"("key":"energy.total_j","value":{"doubleValue":1.0})";
  const auto at = bad.find(needle);
  ASSERT_NE(at, std::string::npos) << bad;
  bad.replace(at, needle.size(), R"("key":"energy.total_j","value":{"stringValue":"lots"})");
  auto counts = history->IngestText(good + "\n\n" + bad + "\n", "spans.json");
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(counts.status().message().find("spans.json:3"), std::string::npos)
      << counts.status().message();
  EXPECT_NE(counts.status().message().find("energy.total_j"), std::string::npos)
      << counts.status().message();
  EXPECT_NE(counts.status().message().find("etl.node.b"), std::string::npos)
      << counts.status().message();
  auto nodes = history->Nodes({});
  ASSERT_TRUE(nodes.ok());
  EXPECT_TRUE(nodes->empty());

  auto broken = history->IngestText(good.substr(0, good.size() / 2), "cut.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("cut.json:1"), std::string::npos)
      << broken.status().message();
}

TEST(History, OtherSpansAreCountedAndSkipped) {
  kfm::testing::TempDir dir;
  auto history = History::Open(DbIn(dir));
  ASSERT_TRUE(history.ok());
  std::string line = NodeLine({Node("run-1", "00000000000000f1", "a", 1'700'000'100, 1, 1)});
  const auto at = line.find("\"etl.node.a\"");
  ASSERT_NE(at, std::string::npos);
  line.replace(at, 12, "\"http.get\"");
  auto counts = history->IngestText(line, "x");
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->other_spans, 1);
  EXPECT_EQ(counts->new_nodes, 0);
}

TEST(History, AFileFromMigrationOneIsMigratedUpKeepingItsRows) {
  kfm::testing::TempDir dir;
  const auto path = DbIn(dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_TRUE(MigrateTo(db, path, 1).ok());
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO runs VALUES ('old-run', 'p', 'nightly', 'h', 5, 6, 1, 0, "
                           "1.5, 0.5, 0, 0)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    // Migration 2's table is not there yet.
    EXPECT_NE(sqlite3_exec(db, "SELECT * FROM ingest_log", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto history = History::Open(path);
  ASSERT_TRUE(history.ok()) << history.status().message();
  EXPECT_EQ(*history->SchemaVersion(), kHistorySchemaVersion);
  auto runs = history->Runs({});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, "old-run");
  EXPECT_DOUBLE_EQ((*runs)[0].total_j, 1.5);
  auto counts = history->IngestText(
      NodeLine({Node("run-1", "0000000000000101", "a", 1'700'000'100, 1, 1)}), "after");
  EXPECT_TRUE(counts.ok()) << counts.status().message();
}

TEST(History, AFileFromANewerVersionIsRefused) {
  kfm::testing::TempDir dir;
  const auto path = DbIn(dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql = "PRAGMA user_version = " + std::to_string(kHistorySchemaVersion + 1);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto history = History::Open(path);
  ASSERT_FALSE(history.ok());
  EXPECT_NE(history.status().message().find(path.string()), std::string::npos);
  EXPECT_NE(history.status().message().find("newer"), std::string::npos)
      << history.status().message();
}

TEST(History, AFileThatIsNotSqliteIsAClearError) {
  kfm::testing::TempDir dir;
  const auto path = DbIn(dir);
  kfm::testing::WriteFile(path.string(), std::string(8192, 'x'));
  auto history = History::Open(path);
  ASSERT_FALSE(history.ok());
  EXPECT_NE(history.status().message().find(path.string()), std::string::npos);
  EXPECT_NE(history.status().message().find("not an SQLite database"), std::string::npos)
      << history.status().message();
}

}  // namespace
}  // namespace kfm::store
