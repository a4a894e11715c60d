#include "pipeline/run_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "carbon/node_carbon.h"
#include "otel/bundle.h"
#include "otel/otlp_proto.h"
#include "otel/span.h"

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
  std::vector<nlohmann::json> nodes;  // {"energy": record, "carbon": document piece or null}
  int torn_lines = 0;                 // a last line cut short by the kill
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
    }
  }
  if (contents.start.is_null()) return Status::InvalidArgument(path.string() + ": empty journal");
  return contents;
}

// The documents lack whatever the last flush had not written: add those records.
int MergeDocuments(const std::filesystem::path& home, const std::string& run_id,
                   const JournalContents& journal, std::vector<std::string>& problems) {
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

// The run span the dead runner never wrote, marked aborted: node spans already written are
// its children, so the trace is whole again.
Status AppendAbortedRunSpan(const std::filesystem::path& home, const std::string& run_id,
                            const JournalContents& journal, int64_t end_unix_ns) {
  const auto& start = journal.start;
  auto context = otel::ParseTraceparent("00-" + Text(start, "trace_id") + "-" +
                                        Text(start, "span_id") + "-01");
  if (!context) return Status::InvalidArgument("journal: bad trace_id or span_id");
  otel::SpanData span;
  span.name = "etl.run";
  span.context = *context;
  if (auto parent = otel::ParseTraceparent("00-" + Text(start, "trace_id") + "-" +
                                           Text(start, "parent_span_id") + "-01")) {
    span.parent_span_id = parent->span_id;
  }
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
                     {"energy.total_j", total_j},
                     {"carbon.gco2e", gco2e}};
  span.status = otel::StatusCode::kError;
  span.status_message = "aborted: the runner (pid " + std::to_string(Integer(start, "pid")) +
                        ") ended without finishing the run; closed by a later start with the " +
                        std::to_string(journal.nodes.size()) + " node(s) it had recorded";
  const auto resource = otel::MakeResource(Text(start, "service"), run_id, /*component=*/"etl");
  return otel::AppendLine(otel::PathsForRun(home, run_id).spans,
                          otel::ToOtlpJson(otel::BuildTraceRequest(resource, {span}, KFM_VERSION)));
}

int64_t ModifiedUnixNs(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

}  // namespace

std::filesystem::path JournalPathFor(const std::filesystem::path& home, const std::string& run_id) {
  return home / "telemetry" / "runs" / ("kfm-run-" + run_id + kJournalSuffix);
}

RunJournal::RunJournal(RunJournal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      run_id_(std::move(other.run_id_)) {}

RunJournal& RunJournal::operator=(RunJournal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    run_id_ = std::move(other.run_id_);
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
  journal.path_ = JournalPathFor(home, start.run_id);
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
  return journal;
}

Status RunJournal::Record(const NodeRunResult& node) {
  if (fd_ < 0) return Status::Ok();
  nlohmann::json carbon = nullptr;
  if (node.carbon.summary.table && node.carbon.summary.table->meta.id != "none") {
    carbon::MergeIntoRunDocument(carbon, run_id_, node.carbon);
  }
  return WriteLine(fd_, path_,
                   nlohmann::json{{"energy", node.energy_record}, {"carbon", carbon}}.dump());
}

void RunJournal::Finish() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
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
    const std::string run_id = name.substr(8, name.size() - 8 - (sizeof(kJournalSuffix) - 1));
    if (!otel::CheckPathComponent("run id", run_id).ok()) continue;
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
    auto journal = ReadJournal(path);
    if (!journal.ok()) {
      const auto aside = path.string() + ".corrupt";
      std::filesystem::rename(path, aside, ec);
      lines.push_back("run " + run_id + " was not finished and its journal is damaged (" +
                      journal.status().message() + "); kept as " + aside);
      ::close(fd);
      continue;
    }
    std::vector<std::string> problems;
    const int added = MergeDocuments(home, run_id, *journal, problems);
    int64_t end_ns = ModifiedUnixNs(path);
    const Status span = AppendAbortedRunSpan(home, run_id, *journal, end_ns);
    if (!span.ok()) problems.push_back("aborted run span not written: " + span.message());
    if (problems.empty()) ::unlink(path.c_str());
    std::string line = "run " + run_id + " was not finished (its runner, pid " +
                       std::to_string(Integer(journal->start, "pid")) +
                       ", stopped without closing it): marked aborted with the " +
                       std::to_string(journal->nodes.size()) + " node(s) it recorded";
    if (added > 0) line += ", " + std::to_string(added) + " of them added to its documents";
    if (journal->torn_lines > 0) line += "; a record cut short by the stop was left out";
    lines.push_back(line);
    for (const auto& problem : problems) lines.push_back("run " + run_id + ": " + problem);
    ::close(fd);
  }
  return lines;
}

}  // namespace kfm::pipeline
