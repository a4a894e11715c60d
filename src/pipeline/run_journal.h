// The journal of a pipeline run in progress, so that a runner killed outright (SIGKILL, power
// loss) loses nothing it had recorded. The runner rewrites the run's energy and carbon
// documents at most once a second; each finished node's records are appended to
// `telemetry/runs/kfm-run-<run-id>.journal` at once, beside its span line. The runner holds an
// flock on the journal while it lives and removes it when the run is finished and written.
// The next `pipeline run` or `run` with the same KFM_HOME finds a journal nobody holds, adds
// the records the documents lack, closes the run with an `etl.run` span marked aborted, and
// removes the journal. A RunJournal is used from one thread; RecoverUnfinishedRuns is
// process-safe (the flock decides who recovers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "otel/trace_context.h"
#include "pipeline/node_runner.h"

namespace kfm::pipeline {

struct RunJournalStart {
  std::string run_id;
  std::string pipeline;
  std::string service;
  std::string hostname;
  otel::SpanContext run_context;  // the etl.run span's ids: node spans are its children
  std::optional<otel::SpanId> parent_span_id;
  int64_t start_unix_ns = 0;
};

// `<home>/telemetry/runs/kfm-run-<run-id>.journal`.
std::filesystem::path JournalPathFor(const std::filesystem::path& home, const std::string& run_id);

class RunJournal {
 public:
  RunJournal() = default;  // inactive: Record and Finish do nothing
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;
  RunJournal(RunJournal&& other) noexcept;
  RunJournal& operator=(RunJournal&& other) noexcept;
  ~RunJournal();  // closes the journal (and so releases the lock) but keeps the file

  // Creates the journal and takes its lock. IoError naming the file when it cannot.
  static Result<RunJournal> Open(const std::filesystem::path& home, const RunJournalStart& start);

  // Appends a finished node's energy record and carbon entry (one line, one write).
  Status Record(const NodeRunResult& node);

  // The run is finished and its documents written: removes the journal.
  void Finish();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::string run_id_;
};

// Recovers every run under `home` whose journal no live runner holds (see above). Returns one
// line per recovered run for the user, and problems as lines too (a damaged journal is kept
// aside as `<journal>.corrupt`); never fails the caller.
std::vector<std::string> RecoverUnfinishedRuns(const std::filesystem::path& home);

}  // namespace kfm::pipeline
