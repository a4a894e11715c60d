// Fault: the pipeline runner killed outright (SIGKILL). Nothing it had recorded may be lost:
// the next `kfm-energy run` or `pipeline run` with the same KFM_HOME finds the unfinished run
// by its journal (src/pipeline/run_journal.h), adds the node records its documents lacked
// (they are rewritten at most once a second), closes it with an `etl.run` span marked
// aborted, and every file still validates. A node that was running at the kill gets an ERROR
// span in the run's trace that says it was not measured, and its process is reported, not
// stopped. A live runner's journal is left alone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBinary = KFM_BINARY;

// Starts argv with `env` applied on top of ours; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& e : env) {
      const auto eq = e.find('=');
      if (eq + 1 == e.size()) {
        ::unsetenv(e.substr(0, eq).c_str());
      } else {
        ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

using SpanLine = FileSpan;

std::vector<SpanLine> ReadSpanLines(const std::string& file) { return ReadSpanFile(file); }

std::set<std::string> DocumentSpanIds(const std::string& file) {
  std::set<std::string> ids;
  const auto doc = nlohmann::json::parse(ReadFile(file));
  for (const auto& node : doc["nodes"]) ids.insert(node["span_id"].get<std::string>());
  return ids;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class FaultRunnerSigkillTest : public ::testing::Test {
 protected:
  std::string Home() const { return dir_.path() + "/home"; }
  std::string Spans(const std::string& run) const {
    return Home() + "/telemetry/otel/spans-kfm-run-" + run + ".json";
  }
  std::string Energy(const std::string& run) const {
    return Home() + "/telemetry/energy/kfm-run-" + run + ".json";
  }
  std::string Carbon(const std::string& run) const {
    return Home() + "/telemetry/carbon/kfm-run-" + run + ".json";
  }
  std::string Journal(const std::string& run) const {
    return Home() + "/telemetry/runs/kfm-run-" + run + ".journal";
  }
  std::string WritePipeline(const std::string& yaml) const {
    const std::string path = dir_.path() + "/pipeline.yaml";
    WriteFile(path, yaml);
    return path;
  }
  TempDir dir_;
};

TEST_F(FaultRunnerSigkillTest, NextStartMarksTheRunAbortedAndKeepsEveryRecordedNode) {
  // Three quick nodes finish together (their documents wait for the once-a-second rewrite),
  // then a slow one is running when the runner is killed (the test stops it at the end).
  const std::string file = WritePipeline(
      "pipeline: killed\n"
      "nodes:\n"
      "  a: {run: [/bin/true]}\n"
      "  b: {run: [/bin/true]}\n"
      "  c: {run: [/bin/true]}\n"
      "  slow: {needs: [a, b, c], run: [/bin/sleep, '20']}\n");
  const pid_t runner = Spawn({kBinary, "pipeline", "run", "-q", "--jobs", "3", file},
                             IsolatedRunEnv(Home(), "kill-1"));
  // Killed as soon as all three quick spans are on disk and the slow node has started (the
  // journal names it): before the quick nodes' documents are rewritten.
  ASSERT_TRUE(WaitFor(
      [&] {
        return fs::exists(Spans("kill-1")) && ReadSpanLines(Spans("kill-1")).size() >= 3 &&
               fs::exists(Journal("kill-1")) &&
               ReadFile(Journal("kill-1")).find("\"node\":\"slow\"") != std::string::npos;
      },
      std::chrono::seconds(20)));
  ::kill(runner, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(fs::exists(Journal("kill-1"))) << "the dead runner's journal is what is recovered";
  const auto before = ReadSpanLines(Spans("kill-1"));
  for (const auto& span : before) EXPECT_NE(span.name, "etl.run");

  // The next start, of another run in the same KFM_HOME, closes the dead one.
  const auto next = RunCommand({kBinary, "run", "-q", "--node", "next", "--", "/bin/true"},
                               IsolatedRunEnv(Home(), "next-1"));
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("run kill-1 was not finished"), std::string::npos) << next.err;
  EXPECT_NE(next.err.find("node slow was running when its runner stopped"), std::string::npos)
      << next.err;
  EXPECT_NE(next.err.find("is still running, unsupervised"), std::string::npos) << next.err;
  EXPECT_FALSE(fs::exists(Journal("kill-1")));

  const auto after = ReadSpanLines(Spans("kill-1"));
  std::string run_span_id;
  int run_spans = 0;
  for (const auto& span : after) {
    if (span.name != "etl.run") continue;
    ++run_spans;
    run_span_id = span.span_id;
    EXPECT_EQ(span.status, 2);  // ERROR
    EXPECT_EQ(span.attrs.at("kfm.run.aborted")["boolValue"], true);
    EXPECT_EQ(span.attrs.at("cicd.pipeline.result")["stringValue"], "error");
    EXPECT_EQ(span.attrs.at("kfm.nodes.recorded")["intValue"], "3");
    EXPECT_EQ(span.attrs.at("kfm.nodes.unfinished")["intValue"], "1");
  }
  ASSERT_EQ(run_spans, 1);
  std::string trace_id;
  for (const auto& span : after) {
    if (span.name == "etl.run") trace_id = span.trace_id;
  }
  std::set<std::string> node_span_ids, finished_span_ids;
  pid_t orphan = -1;
  for (const auto& span : after) {
    EXPECT_EQ(span.trace_id, trace_id) << span.name << " is in the run's trace";
    if (span.name == "etl.run") continue;
    EXPECT_EQ(span.parent, run_span_id) << span.name << " belongs to the recovered run";
    node_span_ids.insert(span.span_id);
    if (span.name != "etl.node.slow") {
      EXPECT_EQ(span.status, 0) << span.name << " finished before the kill";
      finished_span_ids.insert(span.span_id);
      continue;
    }
    // The node running at the kill: an honest span, ERROR, no measured energy.
    EXPECT_EQ(span.status, 2);
    EXPECT_NE(span.message.find("killed while this node ran"), std::string::npos) << span.message;
    EXPECT_NE(span.message.find("not measured"), std::string::npos) << span.message;
    EXPECT_EQ(span.attrs.at("energy.cpu_method")["stringValue"], "none");
    EXPECT_EQ(span.attrs.at("kfm.node.measured")["boolValue"], false);
    EXPECT_EQ(span.attrs.at("kfm.node.process")["stringValue"], "running");
    EXPECT_EQ(span.attrs.count("process.exit.code"), 0u);
    orphan =
        static_cast<pid_t>(std::stol(span.attrs.at("kfm.node.pid")["intValue"].get<std::string>()));
  }
  EXPECT_EQ(node_span_ids.size(), 4u);
  EXPECT_EQ(finished_span_ids.size(), 3u);
  // Every node span written has its energy record, exactly once; carbon for the measured ones.
  EXPECT_EQ(DocumentSpanIds(Energy("kill-1")), node_span_ids);
  EXPECT_EQ(DocumentSpanIds(Carbon("kill-1")), finished_span_ids);
  const auto energy_doc = nlohmann::json::parse(ReadFile(Energy("kill-1")));
  EXPECT_EQ(energy_doc["nodes"].size(), 4u);
  for (const auto& record : energy_doc["nodes"]) {
    if (record["node"] != "slow") continue;
    EXPECT_EQ(record["status"], "error");
    EXPECT_FALSE(record.contains("exit_code")) << "its exit status is unknown";
    EXPECT_EQ(record["cpu"]["method"], "none");
  }

  // The history lists the recovered run with all four nodes, the unfinished one failed.
  const auto shown = RunCommand(
      {kBinary, "runs", "show", "kill-1", "--json", "--history", Home() + "/history.sqlite"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto history = nlohmann::json::parse(shown.out);
  std::map<std::string, std::string> statuses;
  for (const auto& node : history["nodes"]) statuses[node["node"]] = node["status"];
  EXPECT_EQ(statuses.size(), 4u) << shown.out;
  EXPECT_EQ(statuses["slow"], "failed") << shown.out;
  EXPECT_EQ(statuses["a"], "ok") << shown.out;

  const auto valid =
      RunCommand({kBinary, "validate", Spans("kill-1"), Energy("kill-1"), Carbon("kill-1")});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;

  // A second start finds nothing more to recover: the run is closed once.
  const auto again = RunCommand({kBinary, "run", "-q", "--node", "again", "--", "/bin/true"},
                                IsolatedRunEnv(Home(), "next-2"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("was not finished"), std::string::npos) << again.err;
  int closed = 0;
  for (const auto& span : ReadSpanLines(Spans("kill-1"))) closed += span.name == "etl.run";
  EXPECT_EQ(closed, 1);
  // The orphaned node was left running; the test stops it (checked to be the sleep first).
  ASSERT_GT(orphan, 0);
  if (ReadFile("/proc/" + std::to_string(orphan) + "/cmdline").find("/bin/sleep") == 0)
    ::kill(orphan, SIGKILL);
}

TEST_F(FaultRunnerSigkillTest, AKilledOneNodeRunLeavesItsNodeToTheNextStart) {
  // `kfm-energy run` keeps a journal of its one node: killed while the node sleeps, the next
  // start writes the node's span (ERROR, not measured) and its energy record; no etl.run.
  const pid_t runner = Spawn({kBinary, "run", "-q", "--node", "sleeper", "--", "/bin/sleep", "20"},
                             IsolatedRunEnv(Home(), "single-1"));
  const std::string runs = Home() + "/telemetry/runs";
  std::string journal;
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!fs::is_directory(runs)) return false;
        for (const auto& entry : fs::directory_iterator(runs)) {
          const std::string name = entry.path().filename().string();
          if (name.rfind("kfm-run-single-1.node-", 0) == 0 &&
              ReadFile(entry.path().string()).find("\"started\"") != std::string::npos) {
            journal = entry.path().string();
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(20)));
  // Alive for 2.5 s more: its heartbeat (once a second) is what dates the recovered end.
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ::kill(runner, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  const double lived =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_FALSE(fs::exists(Spans("single-1"))) << "the dead run wrote no span of its own";

  const auto next = RunCommand({kBinary, "run", "-q", "--node", "next", "--", "/bin/true"},
                               IsolatedRunEnv(Home(), "single-2"));
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("node sleeper was running when its runner stopped"), std::string::npos)
      << next.err;
  EXPECT_FALSE(fs::exists(journal));
  const auto spans = ReadSpanLines(Spans("single-1"));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "etl.node.sleeper");
  EXPECT_EQ(spans[0].status, 2);
  EXPECT_EQ(spans[0].attrs.at("kfm.node.process")["stringValue"], "running");
  EXPECT_GE(spans[0].seconds(), 1.0) << "ends at the last heartbeat, not at the start";
  EXPECT_LE(spans[0].seconds(), lived + 0.5) << "never after the kill";
  EXPECT_NEAR(spans[0].attrs.at("timing.duration_s")["doubleValue"].get<double>(),
              spans[0].seconds(), 1e-6);
  EXPECT_EQ(DocumentSpanIds(Energy("single-1")), std::set<std::string>{spans[0].span_id});
  const auto valid = RunCommand({kBinary, "validate", Spans("single-1"), Energy("single-1")});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  const auto shown = RunCommand(
      {kBinary, "runs", "show", "single-1", "--json", "--history", Home() + "/history.sqlite"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto history = nlohmann::json::parse(shown.out);
  ASSERT_EQ(history["nodes"].size(), 1u) << shown.out;
  EXPECT_EQ(history["nodes"][0]["status"], "failed");
  const auto orphan = static_cast<pid_t>(
      std::stol(spans[0].attrs.at("kfm.node.pid")["intValue"].get<std::string>()));
  if (ReadFile("/proc/" + std::to_string(orphan) + "/cmdline").find("/bin/sleep") == 0)
    ::kill(orphan, SIGKILL);
}

TEST_F(FaultRunnerSigkillTest, ALiveRunnersJournalIsLeftAlone) {
  const std::string file = WritePipeline(
      "pipeline: alive\n"
      "nodes:\n"
      "  first: {run: [/bin/true]}\n"
      "  wait: {needs: first, run: [/bin/sleep, '1.5']}\n");
  const pid_t runner =
      Spawn({kBinary, "pipeline", "run", "-q", file}, IsolatedRunEnv(Home(), "alive-1"));
  ASSERT_TRUE(WaitFor([&] { return fs::exists(Spans("alive-1")); }, std::chrono::seconds(20)));
  ASSERT_TRUE(fs::exists(Journal("alive-1")));
  const auto other = RunCommand({kBinary, "run", "-q", "--node", "other", "--", "/bin/true"},
                                IsolatedRunEnv(Home(), "other-1"));
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.err.find("was not finished"), std::string::npos) << other.err;
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(Journal("alive-1"))) << "a finished run leaves no journal";
  int run_spans = 0;
  for (const auto& span : ReadSpanLines(Spans("alive-1"))) {
    if (span.name != "etl.run") continue;
    ++run_spans;
    EXPECT_EQ(span.attrs.at("cicd.pipeline.result")["stringValue"], "success");
    EXPECT_EQ(span.attrs.count("kfm.run.aborted"), 0u);
  }
  EXPECT_EQ(run_spans, 1);
}

}  // namespace
}  // namespace kfm::testing
