// The public in-process API (include/kfm/telemetry.h) on top of the same pieces `kfm-energy
// run` uses: RunEnvironment, one Sampler per process, FinishNode and ExportNodeTelemetry.
#include "kfm/telemetry.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

#include "lineage/run_end.h"
#include "meter/cpu_accounting.h"
#include "meter/sampler.h"
#include "otel/bundle.h"
#include "pipeline/node_runner.h"
#include "pipeline/run_environment.h"

namespace kfm::energy {

struct Telemetry::Impl {
  Status status;
  std::string service;
  std::string run_id;
  std::string report_file;  // KFM_NODE_REPORT: a wrapper measures this process
  std::optional<pipeline::RunEnvironment> env;

  std::mutex mu;
  std::unique_ptr<meter::Sampler> sampler;  // started by the first standalone span

  ~Impl() {
    if (sampler) sampler->Stop();
  }
  meter::Sampler& Sampler() {
    std::lock_guard lock(mu);
    if (!sampler) {
      // This process cannot move itself into a fresh cgroup without taking its other
      // threads along, so in-process spans are counted from /proc, as kfm::Meter does.
      sampler = std::make_unique<meter::Sampler>(
          meter::SelectSources(env->meter),
          meter::MakeCpuAccounting(meter::AccountingMode::kProcfs, nullptr),
          env->meter.sample_interval);
      for (const auto& warning : sampler->sources().warnings)
        std::cerr << "kfm-energy: " << warning << "\n";
      sampler->Start();
    }
    return *sampler;
  }
};

struct NodeSpan::State {
  std::shared_ptr<Telemetry::Impl> telemetry;
  bool ended = false;
  bool enabled = true;
  std::string name;
  NodeOptions options;
  std::optional<int64_t> records;
  std::optional<int64_t> bytes;
  std::vector<pipeline::DatasetReport> datasets;
  std::string failure;
  // Standalone only.
  int node = -1;
  pipeline::NodeRunRequest request;
  otel::SpanContext context;
};

namespace {

std::vector<std::string> OwnCommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  std::string arg;
  while (std::getline(in, arg, '\0')) argv.push_back(arg);
  return argv;
}

// Report-file values are space-separated words: a URI with spaces keeps them as %20.
std::string Word(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '%') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 15];
    } else {
      out += c;
    }
  }
  return out.empty() ? "-" : out;
}

Status AppendReport(const std::string& file, const std::string& lines) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("KFM_NODE_REPORT " + file + ": cannot open");
  const ssize_t n = ::write(fd, lines.data(), lines.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(lines.size()))
    return Status::IoError("KFM_NODE_REPORT " + file + ": write failed");
  return Status::Ok();
}

}  // namespace

Telemetry Telemetry::from_env(const std::string& service) {
  auto impl = std::make_shared<Impl>();
  impl->service = service;
  const char* report = std::getenv("KFM_NODE_REPORT");
  if (report != nullptr && *report != '\0') {
    impl->report_file = report;
    const char* run_id = std::getenv("KFM_RUN_ID");
    impl->run_id = run_id != nullptr ? run_id : "";
    return Telemetry(std::move(impl));
  }
  auto env = pipeline::RunEnvironmentFromEnv();
  if (!env.ok()) {
    impl->status = env.status();
    std::cerr << "kfm-energy: telemetry is off: " << env.status().message()
              << " (the job runs on)\n";
    return Telemetry(std::move(impl));
  }
  if (env->run_id_generated)
    std::cerr << "kfm-energy: KFM_RUN_ID not set; this run is " << env->run_id << "\n";
  for (const auto& warning : env->warnings) std::cerr << "kfm-energy: " << warning << "\n";
  impl->run_id = env->run_id;
  impl->env = std::move(*env);
  return Telemetry(std::move(impl));
}

Telemetry::Telemetry(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Telemetry::Telemetry(Telemetry&&) noexcept = default;
Telemetry& Telemetry::operator=(Telemetry&&) noexcept = default;
Telemetry::~Telemetry() = default;

const Status& Telemetry::status() const { return impl_->status; }
bool Telemetry::wrapped() const { return !impl_->report_file.empty(); }
const std::string& Telemetry::run_id() const { return impl_->run_id; }

NodeSpan Telemetry::node_span(const std::string& name, const NodeOptions& options) {
  auto state = std::make_unique<NodeSpan::State>();
  state->telemetry = impl_;
  state->name = name;
  state->options = options;
  if (Status s = otel::CheckPathComponent("node name", name); !s.ok()) {
    std::cerr << "kfm-energy: span not recorded: " << s.message() << "\n";
    state->enabled = false;
    return NodeSpan(std::move(state));
  }
  if (wrapped()) return NodeSpan(std::move(state));
  if (!impl_->status.ok()) {
    state->enabled = false;
    return NodeSpan(std::move(state));
  }
  meter::Sampler& sampler = impl_->Sampler();
  const pipeline::RunEnvironment& env = *impl_->env;
  state->request = pipeline::MakeNodeRequest(env, sampler.sources(), sampler.accounting_kind(),
                                             name, options.domain, options.pipeline_kind,
                                             OwnCommandLine(), impl_->service);
  state->context.trace_id = env.parent ? env.parent->trace_id : otel::TraceIdForRun(env.run_id);
  state->context.span_id = otel::RandomSpanId();
  state->context.flags = env.parent ? env.parent->flags : 1;
  auto node = sampler.AddNode(name);
  if (!node.ok()) {
    std::cerr << "kfm-energy: span " << name << " not measured: " << node.status().message()
              << "\n";
    state->enabled = false;
    return NodeSpan(std::move(state));
  }
  state->node = *node;
  sampler.NodeStarting(state->node);
  sampler.SetNodePid(state->node, ::getpid());
  return NodeSpan(std::move(state));
}

NodeSpan::NodeSpan(std::unique_ptr<State> state) : state_(std::move(state)) {}
NodeSpan::NodeSpan(NodeSpan&&) noexcept = default;
NodeSpan& NodeSpan::operator=(NodeSpan&& other) noexcept {
  if (this != &other) {
    if (state_) (void)end();
    state_ = std::move(other.state_);
  }
  return *this;
}
NodeSpan::~NodeSpan() {
  if (state_) (void)end();
}

void NodeSpan::records_out(int64_t n) { state_->records = n; }
void NodeSpan::bytes_out(int64_t n) { state_->bytes = n; }
void NodeSpan::dataset(const std::string& name, const std::string& version, const std::string& uri,
                       const std::string& sha256) {
  state_->datasets.push_back({name, version, uri, sha256});
}
void NodeSpan::fail(const std::string& reason) {
  state_->failure = reason.empty() ? "failed" : reason;
}

Status NodeSpan::end() {
  if (!state_ || state_->ended) return Status::Ok();
  State& s = *state_;
  s.ended = true;
  if (!s.enabled) return Status::Ok();
  Telemetry::Impl& telemetry = *s.telemetry;
  if (!telemetry.report_file.empty()) {
    // Wrapped: the wrapper measures this process and owns the span; report the counts.
    std::ostringstream lines;
    if (s.records) lines << "records_out " << *s.records << "\n";
    if (s.bytes) lines << "bytes_out " << *s.bytes << "\n";
    for (const auto& d : s.datasets) {
      lines << "dataset " << Word(d.name) << " " << Word(d.version) << " " << Word(d.uri) << " "
            << Word(d.sha256) << "\n";
    }
    if (lines.str().empty()) return Status::Ok();
    Status written = AppendReport(telemetry.report_file, lines.str());
    if (!written.ok()) std::cerr << "kfm-energy: " << written.message() << "\n";
    return written;
  }
  pipeline::NodeRunResult result;
  result.measurement = telemetry.sampler->EndNode(s.node);
  result.report.records_out = s.records;
  result.report.bytes_out = s.bytes;
  result.report.datasets = s.datasets;
  if (!s.failure.empty()) {
    result.outcome.error = s.failure;
    result.outcome.exit_code = 1;
    result.exit_code = 1;
  }
  pipeline::FinishNode(s.request, s.context, result);
  // A standalone job is its own run: its lineage (PROV-O, STAC items) like `run` writes.
  lineage::WriteRunEndLineage(s.request.home, s.request.meta.run_id, result.warnings);
  const pipeline::RunEnvironment& env = *telemetry.env;
  for (const auto& line :
       pipeline::ExportNodeTelemetry(env.exporter, env.home, result, env.pushgateway_url)) {
    result.warnings.push_back(line);
  }
  std::string problems;
  for (const auto& warning : result.warnings) {
    std::cerr << "kfm-energy: " << warning << "\n";
    problems += (problems.empty() ? "" : "; ") + warning;
  }
  std::cerr << pipeline::FormatSummary(s.request, result);
  return problems.empty() ? Status::Ok() : Status::Unavailable(problems);
}

}  // namespace kfm::energy
