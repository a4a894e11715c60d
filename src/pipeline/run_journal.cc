#include "pipeline/run_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "carbon/node_carbon.h"
#include "meter/wall_clock.h"
#include "otel/bundle.h"
#include "otel/otlp_proto.h"
#include "otel/redact.h"
#include "otel/span.h"
#include "pipeline/node_record.h"
#include "store/bundle_follower.h"

namespace kfm::pipeline {
namespace {

constexpr char kJournalSuffix[] = ".journal";

std::string Errno() { return std::strerror(errno); }

// One line, one write(2) on an O_APPEND descriptor: a reader never sees half a record
// followed by another record.
Status WriteLine(int fd, const std::filesystem::path& path, std::string line) {
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError("cannot write " + path.string() + ": " + Errno());
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Integer(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::set<std::string> SpanIds(const nlohmann::json& doc) {
  std::set<std::string> ids;
  if (doc.is_object() && doc.contains("nodes") && doc["nodes"].is_array()) {
    for (const auto& node : doc["nodes"]) ids.insert(Text(node, "span_id"));
  }
  return ids;
}

struct JournalContents {
  nlohmann::json start;
  std::vector<nlohmann::json> nodes;    // {"energy": record, "carbon": document piece or null}
  std::vector<nlohmann::json> started;  // the "started" objects, one per node attempt
  int torn_lines = 0;                   // a last line cut short by the kill
};

Result<JournalContents> ReadJournal(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  JournalContents contents;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded() || !entry.is_object()) {
      if (in.peek() == std::char_traits<char>::eof()) {
        ++contents.torn_lines;  // the last write, interrupted: nothing after it was promised
        continue;
      }
      return Status::InvalidArgument(path.string() + ":" + std::to_string(number) +
                                     ": not a journal entry");
    }
    if (number == 1) {
      if (!entry.contains("kfm_run_journal")) {
        return Status::InvalidArgument(path.string() + ":1: kfm_run_journal: missing");
      }
      contents.start = std::move(entry);
    } else if (entry.contains("energy")) {
      contents.nodes.push_back(std::move(entry));
    } else if (entry.contains("started") && entry["started"].is_object()) {
      contents.started.push_back(std::move(entry["started"]));
    }
  }
  if (contents.start.is_null()) return Status::InvalidArgument(path.string() + ": empty journal");
  return contents;
}

// The documents lack whatever the last flush had not written: add those records.
// `unfinished` are the energy records of nodes that never finished (see UnfinishedNode).
int MergeDocuments(const std::filesystem::path& home, const std::string& run_id,
                   const JournalContents& journal, const std::vector<nlohmann::json>& unfinished,
                   std::vector<std::string>& problems) {
  const otel::BundlePaths paths = otel::PathsForRun(home, run_id);
  int added = 0;
  std::string warning;
  Status energy = otel::UpdateJsonDocument(
      paths.energy,
      [&](nlohmann::json& doc) {
        if (!doc.is_object()) {
          doc = {
              {"schema", "kfm.energy.v2"}, {"run_id", run_id}, {"nodes", nlohmann::json::array()}};
        }
        const auto known = SpanIds(doc);
        for (const auto& entry : journal.nodes) {
          if (known.contains(Text(entry["energy"], "span_id"))) continue;
          doc["nodes"].push_back(entry["energy"]);
          ++added;
        }
        for (const auto& record : unfinished) {
          if (!known.contains(Text(record, "span_id"))) doc["nodes"].push_back(record);
        }
      },
      &warning);
  if (!warning.empty()) problems.push_back(warning);
  if (!energy.ok()) problems.push_back("energy document not recovered: " + energy.message());

  bool any_carbon = false;
  for (const auto& entry : journal.nodes) any_carbon |= entry["carbon"].is_object();
  if (!any_carbon) return added;
  warning.clear();
  Status carbon = otel::UpdateJsonDocument(
      paths.carbon,
      [&](nlohmann::json& doc) {
        if (!doc.is_object()) {
          doc = {{"schema", "kfm.carbon.v2"},
                 {"run_id", run_id},
                 {"nodes", nlohmann::json::array()},
                 {"tables", nlohmann::json::object()}};
        }
        const auto known = SpanIds(doc);
        for (const auto& entry : journal.nodes) {
          const auto& piece = entry["carbon"];
          if (!piece.is_object() || !piece.contains("nodes")) continue;
          for (const auto& node : piece["nodes"]) {
            if (!known.contains(Text(node, "span_id"))) doc["nodes"].push_back(node);
          }
          if (piece.contains("tables") && piece["tables"].is_object()) {
            for (const auto& [key, table] : piece["tables"].items()) doc["tables"][key] = table;
          }
        }
        // The order MergeIntoRunDocument keeps: start time, node, span id.
        auto& nodes = doc["nodes"];
        std::stable_sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
          return std::tuple(Text(a, "start_time"), Text(a, "node"), Text(a, "span_id")) <
                 std::tuple(Text(b, "start_time"), Text(b, "node"), Text(b, "span_id"));
        });
      },
      &warning);
  if (!warning.empty()) problems.push_back(warning);
  if (!carbon.ok()) problems.push_back("carbon document not recovered: " + carbon.message());
  return added;
}

std::optional<otel::SpanContext> ContextOf(const nlohmann::json& object, const char* trace_key,
                                           const char* span_key) {
  return otel::ParseTraceparent("00-" + Text(object, trace_key) + "-" + Text(object, span_key) +
                                "-01");
}

// /proc/<pid>/stat: the state (field 3) and the start time (field 22, clock ticks since boot).
// The command name (field 2) is in parentheses and may hold anything, so fields are counted
// after its last ')'.
struct ProcStat {
  char state = '?';
  uint64_t start_ticks = 0;
};
std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  ProcStat stat;
  std::string field;
  for (int number = 3; number <= 22 && fields >> field; ++number) {
    if (number == 3) stat.state = field.empty() ? '?' : field[0];
    if (number == 22) {
      try {
        stat.start_ticks = std::stoull(field);
      } catch (const std::exception&) {
        return std::nullopt;
      }
      return stat;
    }
  }
  return std::nullopt;
}

std::string ThisHost() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

// What recovery says about the node's process, for the span and for the user.
struct OrphanReport {
  std::string state;  // kfm.node.process: running, ended, pid_reused, unknown
  std::string text;
};
OrphanReport ReportOrphan(const nlohmann::json& started, const std::string& runner_host) {
  const auto pid = static_cast<pid_t>(Integer(started, "pid"));
  const std::string which = "its process (pid " + std::to_string(pid) + ")";
  if (pid <= 0) return {"unknown", "its process id was not recorded"};
  if (runner_host != ThisHost()) {
    return {"unknown", which + " ran on " + runner_host +
                           ", not this host: whether it still runs is unknown; it was not stopped"};
  }
  std::optional<uint64_t> ticks;
  if (started.contains("pid_start_ticks") && started["pid_start_ticks"].is_number_unsigned())
    ticks = started["pid_start_ticks"].get<uint64_t>();
  switch (DescribeOrphan(pid, ticks)) {
    case OrphanState::kRunning:
      return {"running", which +
                             " is still running, unsupervised and unmeasured; kfm-energy did not "
                             "stop it"};
    case OrphanState::kEnded:
      return {"ended", which + " has ended; its exit status is unknown"};
    case OrphanState::kReused:
      return {"pid_reused", which + " has ended (the pid now belongs to another process); its " +
                                "exit status is unknown"};
    case OrphanState::kUnknown:
      break;
  }
  return {"unknown", which +
                         " exists but its start time was not recorded, so whether it is the node "
                         "is unknown; it was not stopped"};
}

// A node started but never finished: its span (status ERROR, energy methods `none`: the
// figures the schema requires are placeholders, not measurements) and its energy record.
struct UnfinishedNode {
  std::string name;
  otel::SpanData span;
  nlohmann::json energy_record;
  OrphanReport orphan;
};

UnfinishedNode MakeUnfinishedNode(const JournalContents& journal, JournalScope scope,
                                  const nlohmann::json& started, const otel::SpanContext& context,
                                  int64_t end_unix_ns) {
  const auto& header = journal.start;
  UnfinishedNode node;
  node.name = Text(started, "node");
  node.orphan = ReportOrphan(started, Text(header, "hostname"));
  NodeMeta meta;
  meta.run_id = Text(header, "run_id");
  meta.node = node.name;
  meta.domain = Text(started, "domain");
  meta.pipeline_kind = Text(started, "pipeline_kind");
  meta.hostname = Text(header, "hostname");
  if (started.contains("command") && started["command"].is_array()) {
    for (const auto& arg : started["command"]) {
      if (arg.is_string()) meta.command.push_back(arg.get<std::string>());
    }
  }
  meta.cpu_method = meta.dram_method = meta.gpu_method = "none";
  meta.cpu_accounting = "none";
  meta.sample_interval =
      std::chrono::milliseconds(std::max<int64_t>(1, Integer(started, "sample_interval_ms")));
  meter::NodeMeasurement m;
  m.start_unix_ns = Integer(started, "node_start_unix_ns");
  m.end_unix_ns = std::max(end_unix_ns, m.start_unix_ns);
  m.duration = Seconds(static_cast<double>(m.end_unix_ns - m.start_unix_ns) / 1e9);
  carbon::NodeCarbon carbon;
  carbon.input.region = Text(started, "region").empty() ? "unknown" : Text(started, "region");
  auto none = std::make_shared<carbon::Table>();
  none->meta.id = "none";
  none->meta.version = "0";
  carbon.summary.table = std::move(none);
  NodeFigures figures;
  figures.duration_s = m.duration.count();
  NodeOutcome outcome;
  outcome.error = "the runner (pid " + std::to_string(Integer(header, "pid")) +
                  ") was killed while this node ran: its outcome and energy were not measured " +
                  "(energy methods none: the figures are placeholders, not measurements); " +
                  node.orphan.text + "; the span ends at the runner's last sign of life";
  std::optional<otel::SpanId> parent;
  if (scope == JournalScope::kRun) {
    if (auto run = ContextOf(header, "trace_id", "span_id")) parent = run->span_id;
  } else if (auto caller = ContextOf(header, "trace_id", "parent_span_id")) {
    parent = caller->span_id;
  }
  node.span = BuildNodeSpan(meta, m, figures, NodeReport{}, outcome, carbon, context, parent);
  auto& a = node.span.attributes;
  // The exit status is unknown, not 0; the none table has no sha256.
  std::erase_if(a, [](const auto& attribute) {
    return attribute.first == "process.exit.code" || attribute.first == "carbon.table_sha256";
  });
  otel::SetAttribute(a, "kfm.run.aborted", true);
  otel::SetAttribute(a, "kfm.node.measured", false);
  otel::SetAttribute(a, "kfm.node.process", node.orphan.state);
  otel::SetAttribute(a, "kfm.node.pid", Integer(started, "pid"));
  otel::SetAttribute(a, "kfm.attempts", std::max<int64_t>(1, Integer(started, "attempt")));
  if (started.contains("production") && started["production"].is_boolean())
    otel::SetAttribute(a, "kfm.production", started["production"].get<bool>());
  if (!Text(header, "pipeline").empty())
    otel::SetAttribute(a, "kfm.pipeline", Text(header, "pipeline"));
  node.energy_record = BuildEnergyRecord(meta, m, figures, NodeReport{}, outcome, context);
  node.energy_record.erase("exit_code");
  return node;
}

std::set<std::string> SpanIdsInBundle(const std::filesystem::path& spans) {
  std::set<std::string> ids;
  std::ifstream in(spans, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    const auto request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!request.is_object() || !request.contains("resourceSpans")) continue;
    for (const auto& rs : request["resourceSpans"]) {
      if (!rs.is_object() || !rs.contains("scopeSpans")) continue;
      for (const auto& ss : rs["scopeSpans"]) {
        if (!ss.is_object() || !ss.contains("spans")) continue;
        for (const auto& span : ss["spans"]) ids.insert(Text(span, "spanId"));
      }
    }
  }
  return ids;
}

// The nodes whose last attempt started and that have neither a record in the journal nor a
// span in the bundle (a node killed between its span line and its journal record has one).
std::vector<UnfinishedNode> UnfinishedNodes(const std::filesystem::path& home,
                                            const std::string& run_id,
                                            const JournalContents& journal, JournalScope scope,
                                            int64_t end_unix_ns) {
  std::vector<UnfinishedNode> nodes;
  if (journal.started.empty()) return nodes;
  std::set<std::string> finished;
  for (const auto& entry : journal.nodes) finished.insert(Text(entry["energy"], "span_id"));
  std::map<std::string, const nlohmann::json*> last;  // span id -> its last attempt
  std::vector<std::string> order;
  for (const auto& started : journal.started) {
    const std::string id = Text(started, "span_id");
    if (finished.contains(id)) continue;
    if (!last.contains(id)) order.push_back(id);
    last[id] = &started;
  }
  if (order.empty()) return nodes;
  const auto written = SpanIdsInBundle(otel::PathsForRun(home, run_id).spans);
  for (const auto& id : order) {
    const nlohmann::json& started = *last[id];
    if (written.contains(id)) continue;
    auto context = ContextOf(started, "trace_id", "span_id");
    if (!context || !otel::CheckPathComponent("node", Text(started, "node")).ok()) continue;
    nodes.push_back(MakeUnfinishedNode(journal, scope, started, *context, end_unix_ns));
  }
  return nodes;
}

// The run span the dead runner never wrote, marked aborted: node spans already written are
// its children, so the trace is whole again.
Result<otel::SpanData> AbortedRunSpan(const std::string& run_id, const JournalContents& journal,
                                      size_t unfinished, int64_t end_unix_ns) {
  const auto& start = journal.start;
  auto context = ContextOf(start, "trace_id", "span_id");
  if (!context) return Status::InvalidArgument("journal: bad trace_id or span_id");
  otel::SpanData span;
  span.name = "etl.run";
  span.context = *context;
  if (auto parent = ContextOf(start, "trace_id", "parent_span_id"))
    span.parent_span_id = parent->span_id;
  span.start_unix_ns = Integer(start, "start_unix_ns");
  span.end_unix_ns = std::max(end_unix_ns, span.start_unix_ns);
  double total_j = 0, gco2e = 0;
  for (const auto& entry : journal.nodes) {
    if (entry["energy"].contains("total_j") && entry["energy"]["total_j"].is_number())
      total_j += entry["energy"]["total_j"].get<double>();
    const auto& piece = entry["carbon"];
    if (piece.is_object() && piece.contains("nodes")) {
      for (const auto& node : piece["nodes"]) {
        if (node.contains("gco2e") && node["gco2e"].is_number())
          gco2e += node["gco2e"].get<double>();
      }
    }
  }
  const std::string pipeline = Text(start, "pipeline");
  span.attributes = {{"kfm.run_id", run_id},
                     {"kfm.pipeline", pipeline},
                     {"kfm.component", std::string("etl")},
                     {"kfm.hostname", Text(start, "hostname")},
                     {"cicd.pipeline.name", pipeline},
                     {"cicd.pipeline.run.id", run_id},
                     {"cicd.pipeline.result", std::string("error")},
                     {"kfm.run.aborted", true},
                     {"kfm.nodes.recorded", static_cast<int64_t>(journal.nodes.size())},
                     {"kfm.nodes.unfinished", static_cast<int64_t>(unfinished)},
                     {"energy.total_j", total_j},
                     {"carbon.gco2e", gco2e}};
  span.status = otel::StatusCode::kError;
  span.status_message = "aborted: the runner (pid " + std::to_string(Integer(start, "pid")) +
                        ") ended without finishing the run; closed by a later start with the " +
                        std::to_string(journal.nodes.size()) + " node(s) it had recorded";
  if (unfinished > 0) {
    span.status_message += " and " + std::to_string(unfinished) +
                           " node(s) it had started but not finished (not measured)";
  }
  return span;
}

int64_t ModifiedUnixNs(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

// Sets the journal's mtime to now on the process's timeline (meter/wall_clock.h), the one its
// spans use, so the end recovery reads from it agrees with their starts even after a wall-clock
// step. A touch that fails costs only the estimate of the end.
void TouchOnTimeline(int fd) {
  const int64_t now = meter::UnixNanosNow();
  const timespec times[2] = {{0, UTIME_OMIT},
                             {static_cast<time_t>(now / 1000000000LL), now % 1000000000LL}};
  (void)::futimens(fd, times);
}

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Recovers one journal this process holds the lock of. Returns the lines for the user.
std::vector<std::string> RecoverJournal(const std::filesystem::path& home,
                                        const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::error_code ec;
  auto journal = ReadJournal(path);
  std::string run_id;
  if (journal.ok()) {
    run_id = Text(journal->start, "run_id");
    // The header names the run; the file name must agree, so no journal reaches outside.
    if (!otel::CheckPathComponent("run id", run_id).ok() ||
        path.filename().string().rfind("kfm-run-" + run_id + ".", 0) != 0) {
      journal = Status::InvalidArgument(path.string() + ":1: run_id: does not match the file");
    }
  }
  if (!journal.ok()) {
    const auto aside = path.string() + ".corrupt";
    std::filesystem::rename(path, aside, ec);
    lines.push_back("journal " + path.filename().string() + " of an unfinished run is damaged (" +
                    journal.status().message() + "); kept as " + aside);
    return lines;
  }
  const JournalScope scope =
      Text(journal->start, "scope") == "node" ? JournalScope::kNode : JournalScope::kRun;
  // The runner's last sign of life, on its spans' timeline (TouchOnTimeline).
  const int64_t end_ns = ModifiedUnixNs(path);
  const auto unfinished = UnfinishedNodes(home, run_id, *journal, scope, end_ns);
  std::vector<nlohmann::json> unfinished_records;
  std::vector<otel::SpanData> spans;
  for (const auto& node : unfinished) {
    unfinished_records.push_back(node.energy_record);
    spans.push_back(node.span);
  }
  std::vector<std::string> problems;
  // A pipeline's documents may lack finished nodes; a single node's were written with its span.
  const int added = scope == JournalScope::kRun || !unfinished.empty()
                        ? MergeDocuments(home, run_id, *journal, unfinished_records, problems)
                        : 0;
  if (scope == JournalScope::kRun) {
    auto run_span = AbortedRunSpan(run_id, *journal, unfinished.size(), end_ns);
    if (run_span.ok()) {
      spans.push_back(std::move(*run_span));
    } else {
      problems.push_back("aborted run span not written: " + run_span.status().message());
    }
  }
  if (!spans.empty()) {
    // One line, one write: the unfinished nodes and the run span arrive together or not at all.
    const auto resource = otel::MakeResource(Text(journal->start, "service"), run_id, "etl");
    const Status written =
        otel::AppendLine(otel::PathsForRun(home, run_id).spans,
                         otel::TraceRequestToOtlpJson(resource, spans, KFM_VERSION));
    if (!written.ok()) problems.push_back("recovered spans not written: " + written.message());
  }
  // What the dead runner had not ingested yet, and the spans just written.
  const std::string history = store::IngestRunBundle(home, run_id);
  if (problems.empty()) ::unlink(path.c_str());
  const std::string runner = std::to_string(Integer(journal->start, "pid"));
  std::string line;
  if (scope == JournalScope::kRun) {
    line = "run " + run_id + " was not finished (its runner, pid " + runner +
           ", stopped without closing it): marked aborted with the " +
           std::to_string(journal->nodes.size()) + " node(s) it recorded";
    if (added > 0) line += ", " + std::to_string(added) + " of them added to its documents";
  } else {
    line = "run " + run_id + ": a `kfm-energy run` (pid " + runner + ") stopped ";
    if (journal->started.empty()) {
      line += "before its node's start was recorded (no span can be written for it)";
    } else if (unfinished.empty()) {
      line += "after writing the span of node " + Text(journal->started.front(), "node") +
              ": nothing was lost";
    } else {
      line += "while node " + unfinished.front().name + " ran";
    }
  }
  if (journal->torn_lines > 0) line += "; a record cut short by the stop was left out";
  lines.push_back(line);
  for (const auto& node : unfinished) {
    lines.push_back("run " + run_id + ": node " + node.name +
                    " was running when its runner stopped: recorded as an ERROR span, not "
                    "measured; " +
                    node.orphan.text);
  }
  for (const auto& problem : problems) lines.push_back("run " + run_id + ": " + problem);
  if (!history.empty()) lines.push_back("run " + run_id + ": " + history);
  return lines;
}

}  // namespace

std::filesystem::path JournalPathFor(const std::filesystem::path& home, const std::string& run_id) {
  return home / "telemetry" / "runs" / ("kfm-run-" + run_id + kJournalSuffix);
}

RunJournal::RunJournal(RunJournal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      run_id_(std::move(other.run_id_)),
      last_heartbeat_ns_(other.last_heartbeat_ns_) {}

RunJournal& RunJournal::operator=(RunJournal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    run_id_ = std::move(other.run_id_);
    last_heartbeat_ns_ = other.last_heartbeat_ns_;
  }
  return *this;
}

RunJournal::~RunJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<RunJournal> RunJournal::Open(const std::filesystem::path& home,
                                    const RunJournalStart& start) {
  if (Status s = otel::CheckPathComponent("run id", start.run_id); !s.ok()) return s;
  RunJournal journal;
  journal.path_ = start.scope == JournalScope::kRun
                      ? JournalPathFor(home, start.run_id)
                      : home / "telemetry" / "runs" /
                            ("kfm-run-" + start.run_id + ".node-" +
                             otel::ToHex(start.run_context.span_id) + kJournalSuffix);
  journal.run_id_ = start.run_id;
  std::error_code ec;
  std::filesystem::create_directories(journal.path_.parent_path(), ec);
  if (ec) {
    return Status::IoError("cannot create " + journal.path_.parent_path().string() + ": " +
                           ec.message());
  }
  // Close-on-exec: a node must not inherit the lock, or a runner's death would look like life.
  journal.fd_ = ::open(journal.path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (journal.fd_ < 0)
    return Status::IoError("cannot create " + journal.path_.string() + ": " + Errno());
  if (::flock(journal.fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::IoError("cannot lock " + journal.path_.string() + ": " + Errno() +
                           " (is another runner using run id " + start.run_id + "?)");
  }
  // Emptied only once it is ours: a live runner's journal is never cut by a second start.
  if (::ftruncate(journal.fd_, 0) != 0) {
    return Status::IoError("cannot truncate " + journal.path_.string() + ": " + Errno());
  }
  nlohmann::json header = {{"kfm_run_journal", 1},
                           {"scope", start.scope == JournalScope::kRun ? "run" : "node"},
                           {"run_id", start.run_id},
                           {"pipeline", start.pipeline},
                           {"service", start.service},
                           {"hostname", start.hostname},
                           {"trace_id", otel::ToHex(start.run_context.trace_id)},
                           {"span_id", otel::ToHex(start.run_context.span_id)},
                           {"start_unix_ns", start.start_unix_ns},
                           {"pid", static_cast<int64_t>(::getpid())}};
  if (start.parent_span_id) header["parent_span_id"] = otel::ToHex(*start.parent_span_id);
  if (Status s = WriteLine(journal.fd_, journal.path_, header.dump()); !s.ok()) return s;
  TouchOnTimeline(journal.fd_);
  journal.last_heartbeat_ns_ = SteadyNs();
  return journal;
}

Status RunJournal::NodeStarted(const NodeAttemptStart& start) {
  if (fd_ < 0) return Status::Ok();
  nlohmann::json started = {{"node", start.node},
                            {"trace_id", otel::ToHex(start.context.trace_id)},
                            {"span_id", otel::ToHex(start.context.span_id)},
                            {"attempt", start.attempt},
                            {"node_start_unix_ns", start.node_start_unix_ns},
                            {"attempt_start_unix_ns", start.attempt_start_unix_ns},
                            {"pid", static_cast<int64_t>(start.pid)},
                            {"domain", start.domain},
                            {"pipeline_kind", start.pipeline_kind},
                            {"region", start.region},
                            {"command", otel::RedactCommand(start.command)},
                            {"production", start.production},
                            {"sample_interval_ms", start.sample_interval_ms}};
  // Not yet reaped, so the pid is still the node's (a zombie at worst).
  if (auto stat = ReadProcStat(start.pid)) started["pid_start_ticks"] = stat->start_ticks;
  Status written = WriteLine(fd_, path_, nlohmann::json{{"started", std::move(started)}}.dump());
  TouchOnTimeline(fd_);
  last_heartbeat_ns_ = SteadyNs();
  return written;
}

Status RunJournal::Record(const NodeRunResult& node) {
  if (fd_ < 0) return Status::Ok();
  nlohmann::json carbon = nullptr;
  if (node.carbon.summary.table && node.carbon.summary.table->meta.id != "none") {
    carbon::MergeIntoRunDocument(carbon, run_id_, node.carbon);
  }
  Status written = WriteLine(
      fd_, path_, nlohmann::json{{"energy", node.energy_record}, {"carbon", carbon}}.dump());
  TouchOnTimeline(fd_);
  last_heartbeat_ns_ = SteadyNs();
  return written;
}

void RunJournal::Heartbeat() {
  if (fd_ < 0) return;
  const int64_t now = SteadyNs();
  if (now - last_heartbeat_ns_ < 1000000000LL) return;
  last_heartbeat_ns_ = now;
  TouchOnTimeline(fd_);
}

void RunJournal::Finish() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

std::optional<uint64_t> ProcessStartTicks(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto stat = ReadProcStat(pid);
  if (!stat) return std::nullopt;
  return stat->start_ticks;
}

OrphanState DescribeOrphan(pid_t pid, std::optional<uint64_t> start_ticks) {
  if (pid <= 0) return OrphanState::kUnknown;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return OrphanState::kEnded;
  const auto stat = ReadProcStat(pid);
  if (!stat) return OrphanState::kUnknown;  // alive but /proc hides it (hidepid)
  if (start_ticks && stat->start_ticks != *start_ticks) return OrphanState::kReused;
  if (stat->state == 'Z' || stat->state == 'X') return OrphanState::kEnded;
  return start_ticks ? OrphanState::kRunning : OrphanState::kUnknown;
}

std::vector<std::string> RecoverUnfinishedRuns(const std::filesystem::path& home) {
  std::vector<std::string> lines;
  const auto dir = home / "telemetry" / "runs";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return lines;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& path = entry.path();
    const std::string name = path.filename().string();
    if (name.rfind("kfm-run-", 0) != 0 || !name.ends_with(kJournalSuffix)) continue;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    // A live runner holds the lock; a dead one's lock went with it.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    // Another start may have recovered and removed it between our open and our lock.
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &now) != 0 || held.st_ino != now.st_ino) {
      ::close(fd);
      continue;
    }
    for (auto& line : RecoverJournal(home, path)) lines.push_back(std::move(line));
    ::close(fd);
  }
  return lines;
}

}  // namespace kfm::pipeline
