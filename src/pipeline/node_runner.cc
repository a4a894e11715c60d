#include "pipeline/node_runner.h"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <sstream>
#include <system_error>

#include "meter/wall_clock.h"
#include "otel/batch_span_processor.h"
#include "otel/bundle.h"
#include "otel/otlp_exporter.h"
#include "otel/otlp_proto.h"
#include "otel/pushgateway.h"
#include "otel/redact.h"
#include "pipeline/run_journal.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.1.0"
#endif

namespace kfm::pipeline {

StartedNode StartNodeProcess(const NodeRunRequest& request, const otel::SpanContext& context,
                             const std::string& report_file,
                             const std::vector<std::string>& extra_env, meter::Sampler& sampler,
                             int sampler_node) {
  // W3C environment carriers: the child joins this node's span; tracestate travels unchanged.
  std::vector<std::string> overrides = {
      "TRACEPARENT=" + otel::FormatTraceparent(context), "TRACESTATE=" + request.trace_state,
      "KFM_RUN_ID=" + request.meta.run_id, "KFM_HOME=" + request.home.string(),
      "KFM_NODE_REPORT=" + report_file};
  overrides.insert(overrides.end(), extra_env.begin(), extra_env.end());
  SpawnRequest spawn;
  spawn.argv = request.meta.command;
  spawn.env = EnvironmentWith(overrides);
  if (sampler_node >= 0) {
    spawn.cgroup_dir_fd = sampler.GroupDirFd(sampler_node);
    spawn.join_cgroup_fd = sampler.JoinFd(sampler_node);
  }
  auto program = ResolveProgram(spawn.argv.front());
  if (!program.ok()) return {-1, 127, program.status().message()};
  spawn.program = *program;
  auto pid = Spawn(spawn);
  if (!pid.ok()) return {-1, 126, pid.status().message()};
  if (sampler_node >= 0) sampler.SetNodePid(sampler_node, *pid);
  return {*pid, 0, {}};
}

NodeRunResult RunNode(const NodeRunRequest& request, meter::Sampler& sampler,
                      const SignalBlock& signals) {
  NodeRunResult result;
  const NodeMeta& meta = request.meta;
  otel::SpanContext context;
  context.trace_id = request.parent ? request.parent->trace_id : otel::TraceIdForRun(meta.run_id);
  context.span_id = otel::RandomSpanId();
  context.flags = request.parent ? request.parent->flags : 1;

  const std::string report_file = MakeNodeReportFile();
  if (report_file.empty())
    result.warnings.push_back("cannot create a KFM_NODE_REPORT file; counts will be missing");

  auto node = sampler.AddNode(meta.node);
  if (!node.ok()) {
    result.warnings.push_back(node.status().message());
  }

  // The node's journal: a `kfm-energy run` killed outright leaves the node's start behind, so
  // the next start writes its span (ERROR, not measured) instead of losing it.
  const int64_t start_unix_ns = meter::UnixNanosNow();  // the span's timeline (wall_clock.h)
  RunJournalStart journal_start;
  journal_start.run_id = meta.run_id;
  journal_start.service = request.service_name;
  journal_start.hostname = meta.hostname;
  journal_start.run_context = context;
  if (request.parent) journal_start.parent_span_id = request.parent->span_id;
  journal_start.start_unix_ns = start_unix_ns;
  journal_start.scope = JournalScope::kNode;
  RunJournal journal;
  if (auto opened = RunJournal::Open(request.home, journal_start); opened.ok()) {
    journal = std::move(*opened);
  } else {
    result.warnings.push_back(opened.status().message());
  }

  const int node_id = node.ok() ? *node : -1;
  if (node_id >= 0) sampler.NodeStarting(node_id);
  const StartedNode started = StartNodeProcess(request, context, report_file, {}, sampler, node_id);
  if (started.pid >= 0) {
    const NodeAttemptStart attempt{meta.node,      context,      1,           start_unix_ns,
                                   start_unix_ns,  started.pid,  meta.domain, meta.pipeline_kind,
                                   request.region, meta.command, true};
    if (Status s = journal.NodeStarted(attempt); !s.ok()) result.warnings.push_back(s.message());
  }
  if (started.pid < 0) {
    result.outcome.error = started.error;
    result.outcome.exit_code = started.exit_code;
  } else {
    // While the node runs this thread waits in WaitForwarding and keeps the journal's
    // heartbeat once a second, so a recovered span ends within a second of the kill. No
    // thread of its own: a node shorter than a second never wakes it.
    ExitInfo exit = WaitForwarding(
        started.pid, signals,
        [&](pid_t reaped, const struct rusage& usage) { sampler.OnReaped(reaped, usage); },
        [&journal] { journal.Heartbeat(); });
    result.outcome.exit_code = exit.exit_code;
    result.outcome.signal = exit.signal;
  }
  result.exit_code = result.outcome.exit_code;
  if (node_id >= 0) result.measurement = sampler.EndNode(node_id);

  result.report = report_file.empty() ? NodeReport{} : ReadNodeReport(report_file);
  if (!report_file.empty()) ::unlink(report_file.c_str());
  FinishNode(request, context, result);
  journal.Finish();  // the span and the documents are written
  return result;
}

void FinishNode(const NodeRunRequest& request, const otel::SpanContext& context,
                NodeRunResult& result, Documents documents) {
  const NodeMeta& meta = request.meta;
  for (const auto& problem : result.report.problems) result.warnings.push_back(problem);
  auto scored =
      carbon::ScoreNode(*request.tables, CarbonInput(meta, result.measurement, result.report,
                                                     context, request.region, request.embodied));
  if (scored.ok()) {
    result.carbon = std::move(*scored);
  } else {
    // The region was checked before the node started, so this is a defect; say so and keep
    // every other figure.
    result.warnings.push_back("carbon not computed: " + scored.status().message());
    result.carbon.input.region = request.region;
    auto none = std::make_shared<carbon::Table>();
    none->meta.id = "none";
    none->meta.version = "0";
    result.carbon.summary.table = std::move(none);
  }
  result.figures = ComputeFigures(result.measurement, result.report, result.carbon);
  std::optional<otel::SpanId> parent;
  if (request.parent) parent = request.parent->span_id;
  result.span = BuildNodeSpan(meta, result.measurement, result.figures, result.report,
                              result.outcome, result.carbon, context, parent);
  result.span.trace_state = request.trace_state;
  for (const auto& [key, value] : result.extra_attributes)
    otel::SetAttribute(result.span.attributes, key, value);
  result.span.events.insert(result.span.events.end(), result.extra_events.begin(),
                            result.extra_events.end());
  result.energy_record = BuildEnergyRecord(meta, result.measurement, result.figures, result.report,
                                           result.outcome, context);
  result.metrics =
      BuildNodeMetrics(meta, result.measurement, result.figures, result.report, result.carbon);
  result.resource = otel::MakeResource(request.service_name, meta.run_id, meta.component);
  // The span line first: appending is cheap and never loses an earlier node's line.
  Status written =
      otel::AppendLine(otel::PathsForRun(request.home, meta.run_id).spans,
                       otel::TraceRequestToOtlpJson(result.resource, {result.span}, KFM_VERSION));
  if (documents == Documents::kWrite) {
    std::string warning;
    Status documents_written = WriteRunDocuments(request.home, meta.run_id, {&result}, &warning);
    if (!warning.empty()) result.warnings.push_back(warning);
    if (written.ok()) written = documents_written;
  }
  if (!written.ok()) result.warnings.push_back("telemetry not written: " + written.message());
}

Status WriteRunDocuments(const std::filesystem::path& home, const std::string& run_id,
                         const std::vector<const NodeRunResult*>& nodes, std::string* warning) {
  if (nodes.empty()) return Status::Ok();
  const otel::BundlePaths paths = otel::PathsForRun(home, run_id);
  std::string energy_warning, carbon_warning;
  std::vector<const carbon::NodeCarbon*> scored;
  for (const NodeRunResult* node : nodes) {
    if (node->carbon.summary.table && node->carbon.summary.table->meta.id != "none")
      scored.push_back(&node->carbon);
  }
  auto write_carbon = [&] {
    return otel::UpdateJsonDocument(
        paths.carbon,
        [&](nlohmann::json& doc) { carbon::MergeIntoRunDocument(doc, run_id, scored); },
        &carbon_warning);
  };
  // Each document is still written to a temporary file, fsynced and renamed, under its own
  // lock, exactly as before; the carbon one on a second thread, so that the two fsyncs overlap
  // (on ext4 they usually share one journal commit) instead of costing a disk flush each, one
  // after the other. Neither thread touches the other's document, lock or warning.
  std::future<Status> carbon_written;
  if (!scored.empty()) {
    try {
      carbon_written = std::async(std::launch::async, write_carbon);
    } catch (const std::system_error&) {
      carbon_written = std::async(std::launch::deferred, write_carbon);  // no thread: in turn
    }
  }
  Status energy = otel::UpdateJsonDocument(
      paths.energy,
      [&](nlohmann::json& doc) {
        if (!doc.is_object())
          doc = {
              {"schema", "kfm.energy.v2"}, {"run_id", run_id}, {"nodes", nlohmann::json::array()}};
        for (const NodeRunResult* node : nodes) doc["nodes"].push_back(node->energy_record);
      },
      &energy_warning);
  const Status carbon_status = carbon_written.valid() ? carbon_written.get() : Status::Ok();
  if (warning != nullptr) {
    for (const std::string* w : {&energy_warning, &carbon_warning}) {
      if (!w->empty()) *warning += (warning->empty() ? "" : "; ") + *w;
    }
  }
  return energy.ok() ? carbon_status : energy;
}

std::vector<std::string> ExportNodeTelemetry(const otel::ExporterConfig& config,
                                             const std::filesystem::path& home,
                                             const NodeRunResult& result,
                                             const std::string& pushgateway_url) {
  TelemetryBatch batch{result.resource, {result.span}, result.metrics, {}};
  std::string run_id, node;
  for (const auto& [key, value] : result.span.attributes) {
    if (key == "kfm.run_id") run_id = std::get<std::string>(value);
    if (key == "kfm.node") node = std::get<std::string>(value);
  }
  batch.pushes.push_back({run_id, node, result.metrics});
  return ExportTelemetry(config, home, batch, pushgateway_url);
}

std::vector<std::string> ExportTelemetry(const otel::ExporterConfig& config,
                                         const std::filesystem::path& home,
                                         const TelemetryBatch& batch,
                                         const std::string& pushgateway_url) {
  std::vector<std::string> lines;
  if (!pushgateway_url.empty()) {
    for (const auto& push : batch.pushes) {
      const Status pushed = otel::PushToGateway(pushgateway_url, push.run_id, push.node,
                                                push.metrics, std::chrono::milliseconds(5000));
      if (!pushed.ok()) lines.push_back(pushed.message());
    }
  }
  const bool console = config.traces.exporter == "console" || config.metrics.exporter == "console";
  if (config.sdk_disabled || (!console && !config.traces.enabled && !config.metrics.enabled)) {
    return lines;  // nothing to encode: the bundle files are the record
  }
  const auto metrics = otel::BuildMetricsRequest(batch.resource, batch.metrics, KFM_VERSION);
  if (config.traces.exporter == "console") {
    const auto traces = otel::BuildTraceRequest(batch.resource, batch.spans, KFM_VERSION);
    std::fprintf(stderr, "%s\n", otel::ToOtlpJson(traces).c_str());
  }
  if (config.metrics.exporter == "console")
    std::fprintf(stderr, "%s\n", otel::ToOtlpJson(metrics).c_str());
  if (!config.traces.enabled && !config.metrics.enabled) return lines;

  // One budget for everything, as an SDK's shutdown is bounded by its export timeout.
  const auto budget =
      std::max(config.traces.enabled ? config.traces.timeout : std::chrono::milliseconds(0),
               config.metrics.enabled ? config.metrics.timeout : std::chrono::milliseconds(0));
  const auto deadline = std::chrono::steady_clock::now() + budget;
  otel::OtlpExporter exporter(config, otel::Spool(home / "telemetry" / "spool"));
  if (!otel::Spool(home / "telemetry" / "spool").List().empty()) {
    const otel::FlushReport flushed = exporter.Flush(deadline);
    if (flushed.delivered > 0) {
      lines.push_back("delivered " + std::to_string(flushed.delivered) +
                      " spooled request(s) from earlier runs");
    }
  }
  const auto what = [&](otel::Signal signal) {
    return std::string(otel::SignalName(signal)) + " to " +
           otel::RedactUrl(signal == otel::Signal::kTraces ? config.traces.endpoint
                                                           : config.metrics.endpoint);
  };
  auto report = [&](otel::Signal signal, const otel::ExportReport& sent) {
    if (sent.delivered && sent.rejected > 0) {
      lines.push_back(what(signal) + ": collector rejected " + std::to_string(sent.rejected) +
                      ": " + sent.message);
    } else if (!sent.delivered) {
      lines.push_back(
          what(signal) + " not delivered (" + sent.message + "); " +
          (sent.spooled ? "kept in the spool for `kfm-energy flush`" : "AND COULD NOT BE SPOOLED"));
    }
  };
  if (exporter.enabled(otel::Signal::kTraces)) {
    // The span goes through the batch span processor, as in an OTel SDK. The export thread owns
    // its exporter and the outcome, because it outlives the processor if an export overruns.
    struct Outcome {
      std::mutex mutex;
      std::vector<otel::ExportReport> sent;  // one per batch
    };
    auto outcome = std::make_shared<Outcome>();
    auto traces_exporter =
        std::make_shared<otel::OtlpExporter>(config, otel::Spool(home / "telemetry" / "spool"));
    otel::BatchSpanProcessor processor(
        {.batch = config.batch, .resource = batch.resource},
        [traces_exporter, outcome, deadline](const otel::Resource& resource,
                                             std::vector<otel::SpanData>&& spans,
                                             std::chrono::steady_clock::time_point until) {
          otel::ExportReport sent = traces_exporter->Export(
              otel::Signal::kTraces,
              otel::BuildTraceRequest(resource, spans, KFM_VERSION).SerializeAsString(),
              std::min(until, deadline));
          const bool delivered = sent.delivered;
          std::lock_guard lock(outcome->mutex);
          outcome->sent.push_back(std::move(sent));
          return delivered ? otel::ExportResult::kSuccess : otel::ExportResult::kFailure;
        });
    // The exporter stops retrying at the deadline; its last attempt (at most one transport
    // timeout) and the spool write get that much more, so a span is spooled, never lost.
    const auto last_attempt =
        std::max(deadline, std::chrono::steady_clock::now()) + config.traces.timeout;
    // A pipeline hands over all its spans at once: never more than the queue holds.
    const size_t room = static_cast<size_t>(std::max(1, config.batch.max_queue_size));
    for (size_t i = 0; i < batch.spans.size(); ++i) {
      if (i > 0 && i % room == 0) (void)processor.ForceFlush(last_attempt);
      processor.OnEnd(batch.spans[i]);
    }
    const bool finished = processor.Shutdown(last_attempt);
    std::lock_guard lock(outcome->mutex);
    for (const auto& sent : outcome->sent) report(otel::Signal::kTraces, sent);
    if (outcome->sent.empty() && !finished) {
      lines.push_back(what(otel::Signal::kTraces) +
                      " not delivered (the export overran the export timeout); the span is in " +
                      "the bundle file");
    }
    if (const auto dropped = processor.stats().dropped; dropped > 0) {
      lines.push_back(what(otel::Signal::kTraces) + ": " + std::to_string(dropped) +
                      " span(s) dropped by the batch span processor; the bundle file holds them");
    }
  }
  if (exporter.enabled(otel::Signal::kMetrics)) {
    report(otel::Signal::kMetrics,
           exporter.Export(otel::Signal::kMetrics, metrics.SerializeAsString(), deadline));
  }
  return lines;
}

std::string FormatSummary(const NodeRunRequest& request, const NodeRunResult& result) {
  const auto& f = result.figures;
  const auto& meta = request.meta;
  std::ostringstream out;
  out << "kfm-energy: node " << meta.node << " (run " << meta.run_id << ") ";
  if (!result.outcome.error.empty()) {
    out << "failed to start: " << result.outcome.error << "\n";
  } else if (result.outcome.signal != 0) {
    out << "killed by signal " << result.outcome.signal << "\n";
  } else {
    out << "exited " << result.outcome.exit_code << "\n";
  }
  const bool cpu_modelled = meta.cpu_method.rfind("model-", 0) == 0;
  out << "  duration   " << FormatFixed(f.duration_s, 3) << " s, CPU "
      << FormatFixed(result.measurement.cpu_util_pct, 1) << "% of one core (" << meta.cpu_accounting
      << ", " << result.measurement.samples
      << (result.measurement.samples == 1 ? " sample)\n" : " samples)\n");
  out << "  cpu        " << FormatFixed(f.cpu_j, 3) << " J of " << FormatFixed(f.package_j, 3)
      << " J package  [" << meta.cpu_method << (cpu_modelled ? ", MODELLED" : ", measured")
      << "]\n";
  out << "  dram       " << FormatFixed(f.dram_j, 3) << " J  [" << meta.dram_method
      << (meta.dram_method.rfind("model-", 0) == 0 ? ", MODELLED" : "") << "]\n";
  out << "  gpu        " << FormatFixed(f.gpu_j, 3) << " J, " << FormatFixed(f.gpu_w_avg, 2)
      << " W avg  [" << meta.gpu_method << "]\n";
  // Joules by device: each counted channel's share for this node.
  std::string devices;
  const auto& m = result.measurement;
  for (size_t c = 0; c < m.channels.size(); ++c) {
    if (!meter::CountsTowardTotal(m.channels[c].domain)) continue;
    devices += (devices.empty() ? "" : ", ") + m.channels[c].id + " " +
               FormatFixed(m.energy.channel_attributed_j[c], 3) + " J";
  }
  if (!devices.empty()) out << "  devices    " << devices << "\n";
  const carbon::NodeCarbon& c = result.carbon;
  out << "  total      " << FormatFixed(f.total_j, 3) << " J = " << FormatSignificant(f.gco2e)
      << " gCO2e at " << FormatFixed(c.intensity.value(), 1) << " g/kWh (" << c.input.region << ", "
      << carbon::ResolutionName(c.summary.resolution) << ", " << c.summary.table->meta.id << " "
      << c.summary.table->meta.version << (c.summary.worst_case ? ", WORST CASE" : "") << ")\n";
  if (result.report.records_out) {
    out << "  records    " << *result.report.records_out;
    if (f.j_per_record) out << ", " << FormatSignificant(*f.j_per_record) << " J/record";
    if (f.gco2e_per_record)
      out << ", SCI " << FormatSignificant(*f.gco2e_per_record) << " gCO2e/record";
    out << "\n";
  }
  if (result.measurement.energy.substituted_intervals > 0) {
    out << "  note       " << result.measurement.energy.substituted_intervals
        << " interval(s) modelled because a counter failed\n";
  }
  const auto paths = otel::PathsForRun(request.home, meta.run_id);
  out << "  spans      " << paths.spans.string() << "\n  energy     " << paths.energy.string()
      << "\n  carbon     " << paths.carbon.string() << "\n";
  return out.str();
}

}  // namespace kfm::pipeline
