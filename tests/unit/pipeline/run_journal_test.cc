// The run journal (pipeline/run_journal.h): recovery of a runner that died writes, for every
// node it had started but not finished, an ERROR `etl.node.<name>` span in the run's trace
// with no measured energy (methods `none`), its energy record, and says what became of the
// node's process without stopping it; a reused pid is not taken for the node.
#include "pipeline/run_journal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otel/bundle.h"
#include "otel/otlp_proto.h"
#include "otel/schema_check.h"
#include "span_files.h"
#include "subprocess.h"

namespace kfm::pipeline {
namespace {

namespace fs = std::filesystem;

// A child that sleeps until killed: a node whose runner is gone.
pid_t StartSleeper() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

otel::SpanContext NewContext(const otel::TraceId& trace) {
  otel::SpanContext context;
  context.trace_id = trace;
  context.span_id = otel::RandomSpanId();
  context.flags = 1;
  return context;
}

using Span = testing::FileSpan;

std::vector<Span> ReadSpans(const fs::path& file) { return testing::ReadSpanFile(file.string()); }

std::string Joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  return all;
}

NodeAttemptStart Attempt(const std::string& node, const otel::SpanContext& context, pid_t pid,
                         int64_t start_ns) {
  return {node, context, 1,         start_ns, start_ns,
          pid,  "hydro", "nightly", "SPP_KS", {"/bin/sleep", "60", "--token=s3cret"},
          true};
}

// This host's name: recovery checks a node's pid only on the host the runner ran on.
std::string Host() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

class RunJournalTest : public ::testing::Test {
 protected:
  fs::path Home() const { return fs::path(dir_.path()) / "home"; }
  testing::TempDir dir_;
};

TEST_F(RunJournalTest, ProcessStartTimeTellsTheNodeFromAReusedPid) {
  const auto self = ProcessStartTicks(::getpid());
  ASSERT_TRUE(self.has_value());
  const pid_t child = StartSleeper();
  ASSERT_GT(child, 0);
  const auto ticks = ProcessStartTicks(child);
  ASSERT_TRUE(ticks.has_value());
  EXPECT_GE(*ticks, *self) << "the child started after this process";
  EXPECT_EQ(DescribeOrphan(child, ticks), OrphanState::kRunning);
  EXPECT_EQ(DescribeOrphan(child, *ticks + 1), OrphanState::kReused);
  EXPECT_EQ(DescribeOrphan(child, std::nullopt), OrphanState::kUnknown);
  ::kill(child, SIGKILL);
  // Dead but not reaped: a zombie is an ended node, not a running one.
  bool zombie = false;
  for (int i = 0; i < 500 && !zombie; ++i) {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string text;
    std::getline(in, text);
    zombie = text.find(") Z ") != std::string::npos;
    if (!zombie) ::usleep(10000);
  }
  ASSERT_TRUE(zombie);
  EXPECT_EQ(DescribeOrphan(child, ticks), OrphanState::kEnded);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(DescribeOrphan(child, ticks), OrphanState::kEnded);
  EXPECT_FALSE(ProcessStartTicks(child).has_value());
}

TEST_F(RunJournalTest, RecoveryWritesAnErrorSpanForEachStartedButUnfinishedNode) {
  const std::string run_id = "dead-1";
  const otel::TraceId trace = otel::TraceIdForRun(run_id);
  const otel::SpanContext run = NewContext(trace);
  const otel::SpanContext running = NewContext(trace);
  const otel::SpanContext done = NewContext(trace);
  const int64_t start_ns = 1764561600000000000LL;  // 2025-12-01T04:00:00Z
  const pid_t sleeper = StartSleeper();
  ASSERT_GT(sleeper, 0);
  {
    auto journal = RunJournal::Open(
        Home(), {run_id, "nightly", "kfm.etl.nightly", Host(), run, std::nullopt, start_ns});
    ASSERT_TRUE(journal.ok()) << journal.status().message();
    ASSERT_TRUE(journal->NodeStarted(Attempt("done", done, 1, start_ns)).ok());
    NodeRunResult finished;
    finished.energy_record = {{"node", "done"}, {"span_id", otel::ToHex(done.span_id)}};
    ASSERT_TRUE(journal->Record(finished).ok());
    auto second = Attempt("gauges", running, sleeper, start_ns + 1000);
    second.attempt = 2;
    ASSERT_TRUE(journal->NodeStarted(Attempt("gauges", running, 1, start_ns)).ok());
    ASSERT_TRUE(journal->NodeStarted(second).ok());
    // Leaving the scope closes the journal as a SIGKILL would: the lock goes, the file stays.
  }
  const fs::path journal_file = JournalPathFor(Home(), run_id);
  ASSERT_TRUE(fs::exists(journal_file));
  const std::string text = testing::ReadFile(journal_file.string());
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << "the command is journalled redacted";

  const auto lines = RecoverUnfinishedRuns(Home());
  const std::string said = Joined(lines);
  EXPECT_NE(said.find("run dead-1 was not finished"), std::string::npos) << said;
  EXPECT_NE(said.find("node gauges was running"), std::string::npos) << said;
  EXPECT_NE(said.find("pid " + std::to_string(sleeper) + ") is still running"), std::string::npos)
      << said;
  EXPECT_FALSE(fs::exists(journal_file));
  EXPECT_EQ(::kill(sleeper, 0), 0) << "recovery reports the orphan, it does not stop it";

  const auto paths = otel::PathsForRun(Home(), run_id);
  const auto spans = ReadSpans(paths.spans);
  ASSERT_EQ(spans.size(), 2u) << "the unfinished node and the run; not the finished node again";
  const Span* node = nullptr;
  const Span* run_span = nullptr;
  for (const auto& span : spans) (span.name == "etl.run" ? run_span : node) = &span;
  ASSERT_NE(node, nullptr);
  ASSERT_NE(run_span, nullptr);
  EXPECT_EQ(node->name, "etl.node.gauges");
  EXPECT_EQ(node->span_id, otel::ToHex(running.span_id));
  EXPECT_EQ(node->trace_id, otel::ToHex(trace));
  EXPECT_EQ(node->parent, otel::ToHex(run.span_id));
  EXPECT_EQ(run_span->span_id, otel::ToHex(run.span_id));
  EXPECT_EQ(node->status, 2);  // ERROR
  EXPECT_NE(node->message.find("killed while this node ran"), std::string::npos) << node->message;
  EXPECT_NE(node->message.find("not measured"), std::string::npos) << node->message;
  for (const char* method : {"energy.cpu_method", "energy.dram_method", "energy.gpu_method"})
    EXPECT_EQ(node->attrs.at(method)["stringValue"], "none") << method;
  EXPECT_EQ(node->attrs.at("kfm.node.measured")["boolValue"], false);
  EXPECT_EQ(node->attrs.at("kfm.node.process")["stringValue"], "running");
  EXPECT_EQ(node->attrs.at("kfm.node.pid")["intValue"], std::to_string(sleeper));
  EXPECT_EQ(node->attrs.at("kfm.attempts")["intValue"], "2");
  EXPECT_EQ(node->attrs.count("process.exit.code"), 0u) << "the exit status is unknown, not 0";
  EXPECT_EQ(run_span->attrs.at("kfm.nodes.recorded")["intValue"], "1");
  EXPECT_EQ(run_span->attrs.at("kfm.nodes.unfinished")["intValue"], "1");

  // The energy document has the node, marked error, with no exit code and no joules.
  const auto doc = nlohmann::json::parse(testing::ReadFile(paths.energy.string()));
  std::map<std::string, nlohmann::json> records;
  for (const auto& record : doc["nodes"]) records[record["node"]] = record;
  ASSERT_EQ(records.size(), 2u);
  const auto& record = records.at("gauges");
  EXPECT_EQ(record["span_id"], otel::ToHex(running.span_id));
  EXPECT_EQ(record["status"], "error");
  EXPECT_FALSE(record.contains("exit_code"));
  EXPECT_EQ(record["cpu"]["method"], "none");
  EXPECT_EQ(record["total_j"], 0.0);

  auto checked = otel::CheckFile(paths.spans);
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_EQ(checked->documents, 1u) << "one node span checked";
  for (const auto& error : checked->errors) ADD_FAILURE() << error.message;

  EXPECT_TRUE(RecoverUnfinishedRuns(Home()).empty()) << "recovered once";
  EXPECT_EQ(ReadSpans(paths.spans).size(), 2u);
  KillAndReap(sleeper);
}

TEST_F(RunJournalTest, ANodeWhoseSpanWasWrittenIsNotWrittenAgain) {
  const std::string run_id = "dead-2";
  const otel::TraceId trace = otel::TraceIdForRun(run_id);
  const otel::SpanContext run = NewContext(trace);
  const otel::SpanContext node = NewContext(trace);
  {
    auto journal = RunJournal::Open(
        Home(), {run_id, "nightly", "kfm.etl.nightly", Host(), run, std::nullopt, 1});
    ASSERT_TRUE(journal.ok()) << journal.status().message();
    ASSERT_TRUE(journal->NodeStarted(Attempt("n", node, 1, 1)).ok());
  }
  // Killed between the node's span line and its journal record: the span is in the bundle.
  otel::SpanData span;
  span.name = "etl.node.n";
  span.context = node;
  span.parent_span_id = run.span_id;
  const auto paths = otel::PathsForRun(Home(), run_id);
  ASSERT_TRUE(
      otel::AppendLine(paths.spans,
                       otel::ToOtlpJson(otel::BuildTraceRequest(
                           otel::MakeResource("kfm.etl.nightly", run_id, "etl"), {span}, "test")))
          .ok());
  const auto lines = RecoverUnfinishedRuns(Home());
  EXPECT_EQ(Joined(lines).find("node n was running"), std::string::npos) << Joined(lines);
  int node_spans = 0;
  for (const auto& s : ReadSpans(paths.spans)) node_spans += s.name == "etl.node.n";
  EXPECT_EQ(node_spans, 1);
}

TEST_F(RunJournalTest, AOneNodeJournalRecoversTheNodeUnderItsCallersParent) {
  const std::string run_id = "single-1";
  const otel::TraceId trace = otel::TraceIdForRun(run_id);
  const otel::SpanContext node = NewContext(trace);
  const otel::SpanId caller = otel::RandomSpanId();
  const pid_t sleeper = StartSleeper();
  ASSERT_GT(sleeper, 0);
  fs::path file;
  {
    RunJournalStart start{run_id, "", "kfm.etl.one", Host(), node, caller, 5};
    start.scope = JournalScope::kNode;
    auto journal = RunJournal::Open(Home(), start);
    ASSERT_TRUE(journal.ok()) << journal.status().message();
    file = journal->path();
    EXPECT_EQ(file.filename().string(),
              "kfm-run-" + run_id + ".node-" + otel::ToHex(node.span_id) + ".journal");
    // A second `run` of the same run id has a journal of its own.
    RunJournalStart other = start;
    other.run_context = NewContext(trace);
    auto second = RunJournal::Open(Home(), other);
    ASSERT_TRUE(second.ok()) << second.status().message();
    second->Finish();
    ASSERT_TRUE(journal->NodeStarted(Attempt("one", node, sleeper, 5)).ok());
  }
  KillAndReap(sleeper);  // the node ended after its runner did
  const auto lines = RecoverUnfinishedRuns(Home());
  EXPECT_NE(Joined(lines).find("has ended; its exit status is unknown"), std::string::npos)
      << Joined(lines);
  EXPECT_FALSE(fs::exists(file));
  const auto spans = ReadSpans(otel::PathsForRun(Home(), run_id).spans);
  ASSERT_EQ(spans.size(), 1u) << "a single node's journal closes no etl.run";
  EXPECT_EQ(spans[0].name, "etl.node.one");
  EXPECT_EQ(spans[0].parent, otel::ToHex(caller));
  EXPECT_EQ(spans[0].status, 2);
  EXPECT_EQ(spans[0].attrs.at("kfm.node.process")["stringValue"], "ended");
}

}  // namespace
}  // namespace kfm::pipeline
