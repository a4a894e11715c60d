#include "pipeline/pipeline_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "meter/cpu_accounting.h"
#include "meter/sampler.h"
#include "meter/wall_clock.h"
#include "otel/bundle.h"
#include "otel/otlp_proto.h"
#include "pipeline/run_journal.h"
#include "store/bundle_follower.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.1.0"
#endif

namespace kfm::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

std::string Clock24() {
  const time_t now = std::time(nullptr);
  struct tm tm {};
  localtime_r(&now, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%H:%M:%S", &tm);
  return buffer;
}

// energy.modelled of a node span: some of its joules came from the model.
bool IsModelled(const otel::SpanData& span) {
  for (const auto& [key, value] : span.attributes) {
    if (key == "energy.modelled" && std::holds_alternative<bool>(value))
      return std::get<bool>(value);
  }
  return false;
}

std::string DescribeExit(int exit_code, int signal) {
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

// One node while the pipeline runs.
struct Node {
  const NodeSpec* spec = nullptr;
  NodeStatus status = NodeStatus::kPending;
  std::vector<size_t> needs;       // indices
  std::vector<size_t> dependents;  // indices
  NodeRunRequest request;
  otel::SpanContext context;
  std::string report_file;
  int sampler_node = -1;
  pid_t pid = -1;
  int attempts = 0;
  int64_t first_start_unix_ns = 0;  // the first attempt's start: the node span's
  Clock::time_point attempt_start;
  int64_t attempt_start_unix_ns = 0;
  std::optional<Clock::time_point> deadline;  // the timeout
  std::optional<Clock::time_point> term_sent;
  bool timed_out = false;
  std::vector<otel::SpanEvent> events;
  std::string reason;
  NodeRunResult result;
};

class Runner {
 public:
  Runner(const PipelineSpec& spec, const RunEnvironment& env, const PipelineRunOptions& options)
      : spec_(spec), env_(env), options_(options) {}

  PipelineResult Run();

 private:
  void Say(const std::string& line);
  void Live();
  void StartReady();
  void Start(size_t index);
  void AttemptEnded(size_t index, int exit_code, int signal);
  void Finish(size_t index, const NodeOutcome& outcome);
  void SkipDownstream(size_t index);
  void Stop(int signal, bool from_user);
  void CheckTimeouts();
  void Reap();
  // Writes the finished nodes' records into the run's energy and carbon documents: at most
  // once a second while nodes finish (each write rewrites the documents), always at the end.
  void FlushDocuments(bool force);
  // Ingests the run's newly written span lines into the run history (store/).
  void CatchUpHistory();
  [[nodiscard]] Clock::time_point NextWake() const;
  otel::SpanData RunSpan(int64_t start_ns, int64_t end_ns, const PipelineResult& result) const;

  const PipelineSpec& spec_;
  const RunEnvironment& env_;
  const PipelineRunOptions& options_;
  std::unique_ptr<meter::Sampler> sampler_;
  std::vector<Node> nodes_;
  std::map<pid_t, size_t> running_;  // root pid -> node
  otel::SpanContext run_context_;
  bool stopping_ = false;
  int stop_signal_ = 0;
  Clock::time_point kill_at_ = Clock::time_point::max();
  std::vector<std::string> warnings_;
  bool live_drawn_ = false;
  std::vector<NodeRunResult*> pending_documents_;
  std::unique_ptr<store::BundleFollower> history_;
  RunJournal journal_;  // what a SIGKILLed runner had recorded (run_journal.h)
  Clock::time_point last_flush_ = Clock::now();
};

void Runner::FlushDocuments(bool force) {
  if (pending_documents_.empty()) return;
  if (!force && Clock::now() - last_flush_ < std::chrono::seconds(1)) return;
  std::string warning;
  Status s = WriteRunDocuments(
      env_.home, env_.run_id,
      std::vector<const NodeRunResult*>(pending_documents_.begin(), pending_documents_.end()),
      &warning);
  if (!warning.empty()) warnings_.push_back(warning);
  if (!s.ok()) warnings_.push_back("run documents not written: " + s.message());
  // Written: keep only what the table and the export need. A long pipeline's runner stays
  // small, and every fork of it stays cheap.
  for (NodeRunResult* done : pending_documents_) {
    done->energy_record = nullptr;
    done->carbon.hours = {};
    done->carbon.input.hours = {};
    done->measurement.energy.hours = {};
  }
  pending_documents_.clear();
  last_flush_ = Clock::now();
  CatchUpHistory();
}

void Runner::CatchUpHistory() {
  if (history_ == nullptr)
    history_ = std::make_unique<store::BundleFollower>(env_.home, env_.run_id);
  if (std::string warning = history_->CatchUp(); !warning.empty()) warnings_.push_back(warning);
}

void Runner::Say(const std::string& line) {
  if (options_.progress == nullptr) return;
  if (live_drawn_) *options_.progress << "\r\x1b[2K";
  *options_.progress << "[" << Clock24() << "] " << line << "\n";
  live_drawn_ = false;
  Live();
}

void Runner::Live() {
  if (options_.progress == nullptr || !options_.live) return;
  size_t done = 0;
  std::string names;
  for (const auto& node : nodes_) {
    if (node.status == NodeStatus::kRunning) names += (names.empty() ? "" : ", ") + node.spec->name;
    if (node.status != NodeStatus::kPending && node.status != NodeStatus::kRunning) ++done;
  }
  *options_.progress << "\r\x1b[2K  " << done << "/" << nodes_.size()
                     << " done; running: " << (names.empty() ? "-" : names) << std::flush;
  live_drawn_ = true;
}

void Runner::Start(size_t index) {
  Node& node = nodes_[index];
  // A node that reads the history (e.g. `kfm-energy rollup`) sees its upstream nodes.
  if (!node.needs.empty()) CatchUpHistory();
  node.status = NodeStatus::kRunning;
  ++node.attempts;
  if (node.attempts == 1) {
    node.report_file = MakeNodeReportFile();
    if (node.report_file.empty())
      warnings_.push_back(node.spec->name + ": cannot create a KFM_NODE_REPORT file");
    auto id = sampler_->AddNode(node.spec->name);
    if (!id.ok()) {
      warnings_.push_back(node.spec->name + ": " + id.status().message());
    } else {
      node.sampler_node = *id;
    }
  } else if (!node.report_file.empty()) {
    // A retry reports afresh: what a failed attempt wrote does not count.
    if (FILE* f = std::fopen(node.report_file.c_str(), "w")) std::fclose(f);
  }
  if (node.sampler_node >= 0 && node.attempts == 1) sampler_->NodeStarting(node.sampler_node);
  node.attempt_start = Clock::now();
  // Times on the process's one timeline (meter/wall_clock.h): the wall clock read once, then
  // steady_clock, as the node spans' own, so a clock step never moves them apart.
  node.attempt_start_unix_ns = meter::UnixNanos(node.attempt_start);
  if (node.attempts == 1) node.first_start_unix_ns = node.attempt_start_unix_ns;
  node.timed_out = false;
  node.term_sent.reset();
  node.deadline.reset();
  if (node.spec->timeout.count() > 0) node.deadline = node.attempt_start + node.spec->timeout;
  Say("start   " + node.spec->name +
      (node.attempts > 1 ? " (attempt " + std::to_string(node.attempts) + ")" : ""));
  std::vector<std::string> extra_env;
  for (const auto& [key, value] : node.spec->env) extra_env.push_back(key + "=" + value);
  const StartedNode started = StartNodeProcess(node.request, node.context, node.report_file,
                                               extra_env, *sampler_, node.sampler_node);
  if (started.pid < 0) {
    node.reason = started.error;
    AttemptEnded(index, started.exit_code, 0);
    return;
  }
  node.pid = started.pid;
  running_[started.pid] = index;
  // At once: a runner killed from here on leaves a journal that names this node and its pid.
  NodeAttemptStart attempt{node.spec->name,
                           node.context,
                           node.attempts,
                           node.first_start_unix_ns,
                           node.attempt_start_unix_ns,
                           started.pid,
                           node.request.meta.domain,
                           node.request.meta.pipeline_kind,
                           node.request.region,
                           node.request.meta.command,
                           node.spec->production,
                           node.request.meta.sample_interval.count()};
  if (Status s = journal_.NodeStarted(attempt); !s.ok()) warnings_.push_back(s.message());
}

void Runner::StartReady() {
  if (stopping_) return;
  for (size_t index : spec_.topological_order) {
    if (static_cast<int>(running_.size()) >= options_.jobs) return;
    Node& node = nodes_[index];
    if (node.status != NodeStatus::kPending) continue;
    bool ready = true;
    for (size_t need : node.needs) ready &= nodes_[need].status == NodeStatus::kOk;
    if (ready) Start(index);
  }
}

void Runner::AttemptEnded(size_t index, int exit_code, int signal) {
  Node& node = nodes_[index];
  node.pid = -1;
  const auto ended = Clock::now();
  const double seconds = std::chrono::duration<double>(ended - node.attempt_start).count();
  const bool ok = exit_code == 0 && signal == 0 && !node.timed_out && node.reason.empty();
  otel::SpanEvent event{"kfm.node.attempt", meter::UnixNanos(ended), {}};
  event.attributes = {{"kfm.attempt", static_cast<int64_t>(node.attempts)},
                      {"kfm.attempt.duration_s", seconds},
                      {"kfm.attempt.result", std::string(ok ? "ok" : "failed")}};
  if (signal != 0) {
    event.attributes.emplace_back("process.exit.signal", static_cast<int64_t>(signal));
  } else {
    event.attributes.emplace_back("process.exit.code", static_cast<int64_t>(exit_code));
  }
  if (node.timed_out) event.attributes.emplace_back("kfm.attempt.timed_out", true);
  if (!node.reason.empty()) event.attributes.emplace_back("exception.message", node.reason);
  node.events.push_back(std::move(event));
  NodeOutcome outcome{exit_code, signal, node.reason};
  if (node.timed_out) {
    outcome.error =
        "timed out after " + FormatSignificant(node.spec->timeout.count() / 1000.0) + " s";
  }
  if (!ok && node.attempts <= node.spec->retries && !stopping_) {
    Say("retry   " + node.spec->name + " (" +
        (outcome.error.empty() ? DescribeExit(exit_code, signal) : outcome.error) + "; attempt " +
        std::to_string(node.attempts + 1) + " of " + std::to_string(node.spec->retries + 1) + ")");
    node.reason.clear();
    Start(index);
    return;
  }
  Finish(index, outcome);
}

void Runner::Finish(size_t index, const NodeOutcome& outcome) {
  Node& node = nodes_[index];
  NodeRunResult& result = node.result;
  result.outcome = outcome;
  result.exit_code = outcome.exit_code;
  if (node.sampler_node >= 0) result.measurement = sampler_->EndNode(node.sampler_node);
  if (!node.report_file.empty()) {
    result.report = ReadNodeReport(node.report_file);
    ::unlink(node.report_file.c_str());
  }
  result.extra_events = node.events;
  result.extra_attributes = {{"kfm.attempts", static_cast<int64_t>(node.attempts)},
                             {"kfm.production", node.spec->production},
                             {"kfm.pipeline", spec_.name}};
  FinishNode(node.request, node.context, result, Documents::kDefer);
  // The DAG edges, so lineage (prov:wasInformedBy) needs only the run's files.
  if (!node.spec->needs.empty()) result.energy_record["needs"] = node.spec->needs;
  if (Status s = journal_.Record(result); !s.ok()) warnings_.push_back(s.message());
  pending_documents_.push_back(&result);
  FlushDocuments(/*force=*/false);
  const bool ok = outcome.exit_code == 0 && outcome.signal == 0 && outcome.error.empty();
  const auto& f = result.figures;
  if (ok) {
    node.status = NodeStatus::kOk;
    Say("ok      " + node.spec->name + "  " + FormatFixed(f.duration_s, 1) + " s, " +
        FormatFixed(f.total_j, 3) + " J" + (IsModelled(result.span) ? " (modelled)" : "") + ", " +
        FormatSignificant(f.gco2e) + " gCO2e" +
        (result.report.records_out ? ", " + std::to_string(*result.report.records_out) + " records"
                                   : ""));
  } else {
    node.status = stopping_ && outcome.signal != 0 ? NodeStatus::kCancelled : NodeStatus::kFailed;
    node.reason =
        outcome.error.empty() ? DescribeExit(outcome.exit_code, outcome.signal) : outcome.error;
    Say(std::string(node.status == NodeStatus::kCancelled ? "stopped " : "FAILED  ") +
        node.spec->name + "  " + node.reason + " after " + FormatFixed(f.duration_s, 1) + " s");
    SkipDownstream(index);
  }
  for (const auto& warning : result.warnings) warnings_.push_back(node.spec->name + ": " + warning);
}

void Runner::SkipDownstream(size_t index) {
  std::vector<size_t> stack = nodes_[index].dependents;
  while (!stack.empty()) {
    const size_t next = stack.back();
    stack.pop_back();
    Node& node = nodes_[next];
    if (node.status != NodeStatus::kPending) continue;
    node.status = NodeStatus::kSkipped;
    node.reason = "upstream " + nodes_[index].spec->name + " did not succeed";
    Say("skipped " + node.spec->name + "  (" + node.reason + ")");
    stack.insert(stack.end(), node.dependents.begin(), node.dependents.end());
  }
}

void Runner::Stop(int signal, bool from_user) {
  if (stopping_) {
    // A second signal: no more grace.
    for (const auto& [pid, index] : running_) ::kill(pid, SIGKILL);
    return;
  }
  stopping_ = true;
  stop_signal_ = signal;
  Say("stopping: received signal " + std::to_string(signal) + "; stopping " +
      std::to_string(running_.size()) + " running node(s)");
  // From the terminal the nodes (in our process group) got the signal already; from kill(2)
  // or an orchestrator it must be passed on.
  for (const auto& [pid, index] : running_) {
    if (from_user) ::kill(pid, SIGTERM);
    nodes_[index].term_sent = Clock::now();
  }
  kill_at_ = Clock::now() + options_.grace;
  for (Node& node : nodes_) {
    if (node.status == NodeStatus::kPending) {
      node.status = NodeStatus::kCancelled;
      node.reason = "the pipeline was stopped by signal " + std::to_string(signal);
    }
  }
}

void Runner::CheckTimeouts() {
  const auto now = Clock::now();
  for (const auto& [pid, index] : running_) {
    Node& node = nodes_[index];
    if (node.deadline && now >= *node.deadline && !node.term_sent) {
      node.timed_out = true;
      node.term_sent = now;
      Say("timeout " + node.spec->name + " after " +
          FormatSignificant(node.spec->timeout.count() / 1000.0) + " s: SIGTERM");
      ::kill(pid, SIGTERM);
    } else if (node.term_sent && now >= *node.term_sent + options_.grace) {
      ::kill(pid, SIGKILL);
    }
  }
  if (stopping_ && now >= kill_at_) {
    for (const auto& [pid, index] : running_) ::kill(pid, SIGKILL);
  }
}

Clock::time_point Runner::NextWake() const {
  // Once a second while a journal is kept: its heartbeat bounds how far a killed runner's
  // recovered spans can end before the kill.
  auto wake = Clock::now() + std::chrono::seconds(options_.live || journal_.active() ? 1 : 5);
  for (const auto& [pid, index] : running_) {
    const Node& node = nodes_[index];
    if (node.deadline && !node.term_sent) wake = std::min(wake, *node.deadline);
    if (node.term_sent) wake = std::min(wake, *node.term_sent + options_.grace);
  }
  if (stopping_) wake = std::min(wake, kill_at_);
  return wake;
}

void Runner::Reap() {
  for (;;) {
    int status = 0;
    struct rusage usage {};
    const pid_t done = ::wait4(-1, &status, WNOHANG, &usage);
    if (done <= 0) return;
    sampler_->OnReaped(done, usage);
    const auto it = running_.find(done);
    if (it == running_.end()) continue;  // an orphan of some node's tree
    const size_t index = it->second;
    running_.erase(it);
    const int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    const int exit_code = signal != 0 ? 128 + signal : WEXITSTATUS(status);
    AttemptEnded(index, exit_code, signal);
  }
}

otel::SpanData Runner::RunSpan(int64_t start_ns, int64_t end_ns,
                               const PipelineResult& result) const {
  otel::SpanData span;
  span.name = "etl.run";
  span.context = run_context_;
  if (env_.parent) span.parent_span_id = env_.parent->span_id;
  span.trace_state = env_.trace_state;
  span.start_unix_ns = start_ns;
  span.end_unix_ns = end_ns;
  int ok = 0, failed = 0, skipped = 0, cancelled = 0;
  double total_j = 0, gco2e = 0;
  int64_t records = 0;
  for (const auto& node : nodes_) {
    ok += node.status == NodeStatus::kOk;
    failed += node.status == NodeStatus::kFailed;
    skipped += node.status == NodeStatus::kSkipped;
    cancelled += node.status == NodeStatus::kCancelled;
    total_j += node.result.figures.total_j;
    gco2e += node.result.figures.gco2e;
    records += node.result.report.records_out.value_or(0);
    if (node.status == NodeStatus::kSkipped ||
        (node.status == NodeStatus::kCancelled && node.attempts == 0)) {
      span.events.push_back({"kfm.node." + std::string(NodeStatusName(node.status)),
                             end_ns,
                             {{"kfm.node", node.spec->name}, {"kfm.reason", node.reason}}});
    }
  }
  const std::string outcome = stopping_ ? "cancellation" : failed > 0 ? "failure" : "success";
  span.attributes = {{"kfm.run_id", env_.run_id},
                     {"kfm.pipeline", spec_.name},
                     {"kfm.component", std::string("etl")},
                     {"kfm.hostname", env_.hostname},
                     {"cicd.pipeline.name", spec_.name},
                     {"cicd.pipeline.run.id", env_.run_id},
                     {"cicd.pipeline.result", outcome},
                     {"kfm.nodes.total", static_cast<int64_t>(nodes_.size())},
                     {"kfm.nodes.ok", static_cast<int64_t>(ok)},
                     {"kfm.nodes.failed", static_cast<int64_t>(failed)},
                     {"kfm.nodes.skipped", static_cast<int64_t>(skipped)},
                     {"kfm.nodes.cancelled", static_cast<int64_t>(cancelled)},
                     {"energy.total_j", total_j},
                     {"energy.measured_j", result.measured_j},
                     {"energy.unattributed_j", result.unattributed_j},
                     {"energy.modelled", result.modelled},
                     {"carbon.gco2e", gco2e},
                     {"kfm.records_out", records},
                     {"timing.duration_s", static_cast<double>(end_ns - start_ns) / 1e9}};
  if (outcome != "success") {
    span.status = otel::StatusCode::kError;
    span.status_message = stopping_ ? "stopped by signal " + std::to_string(stop_signal_)
                                    : std::to_string(failed) + " node(s) failed";
  }
  return span;
}

PipelineResult Runner::Run() {
  PipelineResult result;
  // Nodes write under ${KFM_HOME} (datasets/...): it exists before the first one starts.
  std::error_code ec;
  std::filesystem::create_directories(env_.home, ec);
  if (ec) warnings_.push_back("cannot create KFM_HOME " + env_.home.string() + ": " + ec.message());
  // Signals are blocked before the sampler thread exists, so only this thread receives them.
  SignalBlock signals;
  meter::BecomeSubreaper();
  auto mode = meter::ParseAccountingMode(options_.accounting);
  meter::SelectedSources sources = meter::SelectSources(env_.meter);
  for (const auto& warning : sources.warnings) warnings_.push_back(warning);
  auto accounting =
      meter::MakeCpuAccounting(mode.ok() ? *mode : meter::AccountingMode::kAuto, nullptr);
  const std::string accounting_kind(accounting->kind());
  const std::string service = "kfm.etl." + spec_.name;

  run_context_.trace_id = env_.parent ? env_.parent->trace_id : otel::TraceIdForRun(env_.run_id);
  run_context_.span_id = otel::RandomSpanId();
  run_context_.flags = env_.parent ? env_.parent->flags : 1;
  nodes_.resize(spec_.nodes.size());
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < spec_.nodes.size(); ++i) by_name[spec_.nodes[i].name] = i;
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    Node& node = nodes_[i];
    const NodeSpec& ns = spec_.nodes[i];
    node.spec = &ns;
    for (const auto& need : ns.needs) {
      node.needs.push_back(by_name.at(need));
      nodes_[by_name.at(need)].dependents.push_back(i);
    }
    std::vector<std::string> argv =
        ns.shell.empty() ? ns.run : std::vector<std::string>{"/bin/sh", "-c", ns.shell};
    node.request = MakeNodeRequest(env_, sources, accounting_kind, ns.name, ns.domain,
                                   ns.pipeline_kind, argv, service);
    node.request.parent = run_context_;
    node.context.trace_id = run_context_.trace_id;
    node.context.span_id = otel::RandomSpanId();
    node.context.flags = run_context_.flags;
  }

  sampler_ = std::make_unique<meter::Sampler>(std::move(sources), std::move(accounting),
                                              env_.meter.sample_interval);
  sampler_->Start();
  // The run span on the process's timeline (meter/wall_clock.h): its duration is monotonic
  // whatever the wall clock does, and its node spans stay inside it.
  const int64_t start_ns = meter::UnixNanosNow();
  RunJournalStart journal_start{env_.run_id,  spec_.name,   service, env_.hostname,
                                run_context_, std::nullopt, start_ns};
  if (env_.parent) journal_start.parent_span_id = env_.parent->span_id;
  if (auto journal = RunJournal::Open(env_.home, journal_start); journal.ok()) {
    journal_ = std::move(*journal);
  } else {
    warnings_.push_back(journal.status().message());
  }
  Say("run " + env_.run_id + ": pipeline " + spec_.name + ", " + std::to_string(nodes_.size()) +
      " nodes, up to " + std::to_string(options_.jobs) + " at a time");

  for (;;) {
    StartReady();
    if (running_.empty()) break;
    const auto wait = NextWake() - Clock::now();
    const auto ns =
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count());
    timespec timeout{static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)};
    siginfo_t info{};
    const int sig = ::sigtimedwait(&signals.set(), &info, &timeout);
    if (sig > 0 && sig != SIGCHLD) {
      Stop(sig, info.si_code == SI_USER || info.si_code == SI_QUEUE || info.si_code == SI_TKILL);
    }
    Reap();
    CheckTimeouts();
    FlushDocuments(/*force=*/false);
    journal_.Heartbeat();
    Live();
  }
  FlushDocuments(/*force=*/true);
  const int64_t end_ns = meter::UnixNanosNow();
  const auto measured = sampler_->MeasuredJoules();
  const auto unattributed = sampler_->UnattributedJoules();
  const auto channels = sampler_->Channels();
  sampler_->Stop();
  for (size_t c = 0; c < channels.size(); ++c) {
    if (!meter::CountsTowardTotal(channels[c].domain)) continue;
    result.measured_j += measured[c];
    result.unattributed_j += unattributed[c];
    result.modelled |= channels[c].modelled;
  }
  for (const Node& node : nodes_)
    result.modelled |= node.attempts > 0 && IsModelled(node.result.span);
  if (live_drawn_ && options_.progress != nullptr) *options_.progress << "\r\x1b[2K";
  live_drawn_ = false;

  result.run_span = RunSpan(start_ns, end_ns, result);
  result.resource = otel::MakeResource(service, env_.run_id, "etl");
  const auto& resource = result.resource;
  if (Status s =
          otel::AppendLine(otel::PathsForRun(env_.home, env_.run_id).spans,
                           otel::TraceRequestToOtlpJson(resource, {result.run_span}, KFM_VERSION));
      !s.ok()) {
    warnings_.push_back("run span not written: " + s.message());
  }
  CatchUpHistory();
  journal_.Finish();
  bool failed = false;
  for (Node& node : nodes_) {
    failed |= node.status == NodeStatus::kFailed;
    result.nodes.push_back(
        {node.spec->name, node.status, node.attempts, node.reason, std::move(node.result)});
  }
  result.signal = stop_signal_;
  result.exit_code = stopping_ ? 128 + stop_signal_ : failed ? 1 : 0;
  result.warnings = std::move(warnings_);
  return result;
}

std::string StringAttribute(const otel::SpanData& span, std::string_view key) {
  for (const auto& [k, v] : span.attributes) {
    if (k == key && std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  }
  return "-";
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string_view NodeStatusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::kPending:
      return "pending";
    case NodeStatus::kRunning:
      return "running";
    case NodeStatus::kOk:
      return "ok";
    case NodeStatus::kFailed:
      return "failed";
    case NodeStatus::kSkipped:
      return "skipped";
    case NodeStatus::kCancelled:
      return "cancelled";
  }
  return "pending";
}

Status ExpandPipeline(PipelineSpec& spec, const RunEnvironment& env) {
  const EnvLookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
    if (name == "KFM_HOME") return env.home.string();
    if (name == "KFM_RUN_ID") return env.run_id;
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  for (NodeSpec& node : spec.nodes) {
    const std::string where =
        spec.file.string() + ":" + std::to_string(node.line) + ": nodes." + node.name;
    for (size_t i = 0; i < node.run.size(); ++i) {
      auto expanded = ExpandVariables(node.run[i], lookup);
      if (!expanded.ok())
        return Status::InvalidArgument(where + ".run[" + std::to_string(i) +
                                       "]: " + expanded.status().message());
      node.run[i] = std::move(*expanded);
    }
    if (!node.shell.empty()) {
      auto expanded = ExpandVariables(node.shell, lookup);
      if (!expanded.ok())
        return Status::InvalidArgument(where + ".shell: " + expanded.status().message());
      node.shell = std::move(*expanded);
    }
    for (auto& [key, value] : node.env) {
      auto expanded = ExpandVariables(value, lookup);
      if (!expanded.ok())
        return Status::InvalidArgument(where + ".env." + key + ": " + expanded.status().message());
      value = std::move(*expanded);
    }
  }
  return Status::Ok();
}

std::vector<std::string> ExportRunTelemetry(const otel::ExporterConfig& config,
                                            const std::filesystem::path& home,
                                            const PipelineResult& result,
                                            const std::string& pushgateway_url) {
  TelemetryBatch batch;
  batch.resource = result.resource;
  for (const auto& node : result.nodes) {
    if (node.attempts == 0) continue;
    batch.spans.push_back(node.result.span);
    batch.metrics.insert(batch.metrics.end(), node.result.metrics.begin(),
                         node.result.metrics.end());
    std::string run_id;
    for (const auto& [key, value] : node.result.span.attributes) {
      if (key == "kfm.run_id") run_id = std::get<std::string>(value);
    }
    batch.pushes.push_back({run_id, node.name, node.result.metrics});
  }
  batch.spans.push_back(result.run_span);
  return ExportTelemetry(config, home, batch, pushgateway_url);
}

PipelineResult RunPipeline(const PipelineSpec& spec, const RunEnvironment& env,
                           const PipelineRunOptions& options) {
  Runner runner(spec, env, options);
  return runner.Run();
}

std::string FormatPipelineTable(const PipelineSpec& spec, const PipelineResult& result) {
  std::ostringstream out;
  size_t width = 6;
  for (const auto& node : result.nodes) width = std::max(width, node.name.size() + 2);
  out << Pad("node", width) << Pad("status", 11) << Pad("tries", 6) << Pad("time s", 9)
      << Pad("energy J", 11) << Pad("method", 20) << Pad("gCO2e", 11) << Pad("records", 10)
      << "J/record\n";
  double total_j = 0, gco2e = 0, seconds = 0;
  int64_t records = 0;
  for (const auto& node : result.nodes) {
    const auto& f = node.result.figures;
    const bool ran = node.attempts > 0;
    out << Pad(node.name, width) << Pad(std::string(NodeStatusName(node.status)), 11)
        << Pad(std::to_string(node.attempts), 6) << Pad(ran ? FormatFixed(f.duration_s, 2) : "-", 9)
        << Pad(ran ? FormatFixed(f.total_j, 3) : "-", 11)
        << Pad(ran ? StringAttribute(node.result.span, "energy.cpu_method") : "-", 20)
        << Pad(ran ? FormatSignificant(f.gco2e) : "-", 11)
        << Pad(node.result.report.records_out ? std::to_string(*node.result.report.records_out)
                                              : "-",
               10)
        << (f.j_per_record ? FormatSignificant(*f.j_per_record) : "-") << "\n";
    if (!node.reason.empty() && node.status != NodeStatus::kOk)
      out << "  " << node.name << ": " << node.reason << "\n";
    total_j += f.total_j;
    gco2e += f.gco2e;
    seconds = std::max(seconds, f.duration_s);
    records += node.result.report.records_out.value_or(0);
  }
  const double run_s =
      result.run_span.end_unix_ns > result.run_span.start_unix_ns
          ? static_cast<double>(result.run_span.end_unix_ns - result.run_span.start_unix_ns) / 1e9
          : seconds;
  out << "run " << spec.name << ": " << FormatFixed(run_s, 2) << " s, " << FormatFixed(total_j, 3)
      << " J attributed to nodes of " << FormatFixed(result.measured_j, 3)
      << (result.modelled ? " J in all, MODELLED (" : " J measured (")
      << FormatFixed(result.unattributed_j, 3) << " J used by nothing of the pipeline), "
      << FormatSignificant(gco2e) << " gCO2e, " << records << " records";
  if (records > 0)
    out << ", " << FormatSignificant(total_j / static_cast<double>(records)) << " J/record";
  out << "\n";
  return out.str();
}

}  // namespace kfm::pipeline
