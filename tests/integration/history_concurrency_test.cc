// Several processes writing one history at once: eight concurrent ingests of different runs
// lose nothing; a write lock held by someone else is waited for, and when it is held too long
// the ingest fails clearly (naming the file) and stores nothing, so a retry completes it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../unit/store/span_lines.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;

std::string RunFile(const std::string& dir, int run, int nodes) {
  std::string text;
  for (int i = 0; i < nodes; ++i) {
    store::testing::TestNode n;
    n.run_id = "conc-" + std::to_string(run);
    n.trace_id = std::string(24, '0') + "0000000" + std::to_string(run + 1);
    char span[17];
    std::snprintf(span, sizeof span, "%016x", i + 1);
    n.span_id = span;
    n.node = "n" + std::to_string(i);
    n.pipeline = "conc";
    n.total_j = 1;
    text += store::testing::NodeLine({n}) + "\n";
  }
  const std::string path = dir + "/run-" + std::to_string(run) + ".json";
  WriteFile(path, text);
  return path;
}

long long Count(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

TEST(HistoryConcurrency, EightProcessesIngestingAtOnceLoseNothing) {
  TempDir dir;
  const std::string db = dir.path() + "/history.sqlite";
  constexpr int kProcesses = 8;
  constexpr int kNodes = 200;
  std::vector<std::string> files;
  for (int p = 0; p < kProcesses; ++p) files.push_back(RunFile(dir.path(), p, kNodes));
  // Start all, then let them go at the same moment (each waits for the go file).
  const std::string go = dir.path() + "/go";
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      while (access(go.c_str(), F_OK) != 0) usleep(1000);
      execl(kBinary.c_str(), kBinary.c_str(), "ingest", "-q", "--history", db.c_str(),
            files[p].c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pids.push_back(pid);
  }
  WriteFile(go, "");
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  EXPECT_EQ(Count(db, "SELECT count(*) FROM nodes"), kProcesses * kNodes);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM device_energy"), kProcesses * kNodes);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM runs"), kProcesses);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM runs WHERE node_count = 200 AND total_j = 200"),
            kProcesses);
  sqlite3* check = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &check), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(check, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(check);
}

TEST(HistoryConcurrency, AHeldWriteLockIsWaitedForThenFailsClearlyWithoutLosingRows) {
  TempDir dir;
  const std::string db_path = dir.path() + "/history.sqlite";
  const std::string first = RunFile(dir.path(), 0, 5);
  const std::string second = RunFile(dir.path(), 1, 5);
  // Create the file, then hold its write lock from this process.
  auto created = RunCommand({kBinary, "ingest", "-q", "--history", db_path, first});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  // Released after 1 s: an ingest with a 10 s timeout waits and succeeds.
  std::thread release([db] {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  });
  const auto start = std::chrono::steady_clock::now();
  auto waited =
      RunCommand({kBinary, "ingest", "-q", "--lock-timeout", "10", "--history", db_path, second});
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  release.join();
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_GE(took, 0.9);
  EXPECT_EQ(Count(db_path, "SELECT count(*) FROM nodes"), 10);

  // Held for longer than the timeout: exit 1, the message names the file, nothing stored.
  const std::string third = RunFile(dir.path(), 2, 5);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto locked =
      RunCommand({kBinary, "ingest", "-q", "--lock-timeout", "0.5", "--history", db_path, third});
  EXPECT_EQ(locked.exit_code, 1) << locked.err;
  EXPECT_NE(locked.err.find(db_path), std::string::npos) << locked.err;
  EXPECT_NE(locked.err.find("write lock"), std::string::npos) << locked.err;
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Count(db_path, "SELECT count(*) FROM nodes"), 10);
  auto retried = RunCommand({kBinary, "ingest", "-q", "--history", db_path, third});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(Count(db_path, "SELECT count(*) FROM nodes"), 15);
}

TEST(HistoryConcurrency, AHistoryThatIsNotSqliteIsExitTwoNamingTheFile) {
  TempDir dir;
  const std::string db_path = dir.path() + "/history.sqlite";
  WriteFile(db_path, "this is not a database, it is a text file that is long enough\n");
  const std::string file = RunFile(dir.path(), 0, 1);
  auto result = RunCommand({kBinary, "ingest", "--history", db_path, file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(db_path), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("not an SQLite database"), std::string::npos) << result.err;
  auto list = RunCommand({kBinary, "runs", "list", "--history", db_path});
  EXPECT_EQ(list.exit_code, 2);
  EXPECT_NE(list.err.find("not an SQLite database"), std::string::npos) << list.err;
}

}  // namespace
}  // namespace kfm::testing
