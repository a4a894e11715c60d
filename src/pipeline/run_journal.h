// The journal of a run in progress, so that a runner killed outright (SIGKILL, power loss)
// loses nothing it had recorded and leaves no node it started without a span. The pipeline
// runner rewrites the run's energy and carbon documents at most once a second; each node
// attempt's start (node, span id, start time, pid and the pid's start time) is appended to
// `telemetry/runs/kfm-run-<run-id>.journal` the moment its process exists, and each finished
// node's records the moment it ends, beside its span line. `kfm-energy run` keeps a journal of
// its one node, `kfm-run-<run-id>.node-<span-id>.journal`, so that concurrent `run`s of one run
// never share a file. The runner holds an flock on its journal while it lives, touches it at
// most once a second (its last sign of life), and removes it when the run is finished.
// The next `pipeline run` or `run` with the same KFM_HOME finds journals nobody holds, adds
// the records the documents lack, writes for every node started but never finished an
// `etl.node.<name>` span with status ERROR that says its outcome and energy were not measured
// (energy methods `none`, no invented joules), closes a pipeline's run with an `etl.run` span
// marked aborted, ingests the run into the history and removes the journal. The orphaned node
// process is reported (still running or not, by pid and start time), never killed.
// A RunJournal is used by one thread at a time (`kfm-energy run` hands it to a heartbeat
// thread while it waits for the node); RecoverUnfinishedRuns is process-safe (the flock
// decides who recovers).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "otel/trace_context.h"
#include "pipeline/node_runner.h"

namespace kfm::pipeline {

// kRun: a pipeline's journal (recovery closes the run with an `etl.run` span). kNode: one
// `kfm-energy run` node (recovery writes only what that node lacks).
enum class JournalScope { kRun, kNode };

struct RunJournalStart {
  std::string run_id;
  std::string pipeline;
  std::string service;
  std::string hostname;
  // kRun: the etl.run span's ids (node spans are its children). kNode: the node span's ids.
  otel::SpanContext run_context;
  std::optional<otel::SpanId> parent_span_id;
  int64_t start_unix_ns = 0;
  JournalScope scope = JournalScope::kRun;
};

// One attempt of a node whose process has just been started.
struct NodeAttemptStart {
  std::string node;
  otel::SpanContext context;  // the node span's ids (the same for every attempt)
  int attempt = 1;
  int64_t node_start_unix_ns = 0;     // the first attempt's start: the node span's start
  int64_t attempt_start_unix_ns = 0;  // this attempt's
  pid_t pid = -1;
  std::string domain;
  std::string pipeline_kind;
  std::string region;                // KFM_REGION, for the span's carbon.region
  std::vector<std::string> command;  // written redacted (otel::RedactCommand)
  bool production = true;
  int64_t sample_interval_ms = 0;  // the sampler's period, for the energy record
};

// `<home>/telemetry/runs/kfm-run-<run-id>.journal`.
std::filesystem::path JournalPathFor(const std::filesystem::path& home, const std::string& run_id);

class RunJournal {
 public:
  RunJournal() = default;  // inactive: every call does nothing
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;
  RunJournal(RunJournal&& other) noexcept;
  RunJournal& operator=(RunJournal&& other) noexcept;
  ~RunJournal();  // closes the journal (and so releases the lock) but keeps the file

  // Creates the journal and takes its lock. IoError naming the file when it cannot.
  static Result<RunJournal> Open(const std::filesystem::path& home, const RunJournalStart& start);

  // Appends a node attempt's start (one line, one write), with the start time of its pid
  // from /proc so that recovery does not mistake a reused pid for the node.
  Status NodeStarted(const NodeAttemptStart& start);

  // Appends a finished node's energy record and carbon entry (one line, one write).
  Status Record(const NodeRunResult& node);

  // Marks the runner alive now (the journal's mtime), at most once a second: what recovery
  // takes as the end of the spans it closes.
  void Heartbeat();

  // The run is finished and its documents written: removes the journal.
  void Finish();

  [[nodiscard]] bool active() const { return fd_ >= 0; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::string run_id_;
  int64_t last_heartbeat_ns_ = 0;  // steady clock
};

// The start time of process `pid` (field 22 of /proc/<pid>/stat, clock ticks since boot), or
// nullopt when there is no such process or it cannot be read.
std::optional<uint64_t> ProcessStartTicks(pid_t pid);

// What became of a node's process, as recovery reports it.
enum class OrphanState {
  kRunning,  // the pid is alive and started when the node did: the node, unsupervised
  kEnded,    // no such process (or a zombie): the node has ended
  kReused,   // the pid is alive but started at another time: someone else's process now
  kUnknown,  // the start time was not recorded and the pid is alive: cannot tell
};
OrphanState DescribeOrphan(pid_t pid, std::optional<uint64_t> start_ticks);

// Recovers every journal under `home` that no live runner holds (see above). Returns lines
// for the user (one per recovered run, one per unfinished node, and problems; a damaged
// journal is kept aside as `<journal>.corrupt`); never fails the caller.
std::vector<std::string> RecoverUnfinishedRuns(const std::filesystem::path& home);

}  // namespace kfm::pipeline
