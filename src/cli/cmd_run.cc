#include <future>
#include <iostream>
#include <system_error>

#include "cli/command.h"
#include "lineage/run_end.h"
#include "meter/cpu_accounting.h"
#include "meter/sampler.h"
#include "meter/source_selection.h"
#include "otel/bundle.h"
#include "pipeline/node_runner.h"
#include "pipeline/process.h"
#include "pipeline/run_environment.h"
#include "pipeline/run_journal.h"
#include "store/bundle_follower.h"

namespace kfm::cli {
namespace {

struct RunOptions {
  std::string node;
  std::string domain = "telemetry";
  std::string pipeline_kind = "nightly";
  std::string service_name;
  std::string accounting = "auto";
  bool quiet = false;
  std::vector<std::string> command;
};

int Run(const RunOptions& options) {
  auto fail = [](const std::string& message) {
    std::cerr << "kfm-energy run: " << message << "\n";
    return 2;
  };
  if (Status s = otel::CheckPathComponent("--node", options.node); !s.ok())
    return fail(s.message());
  if (options.command.empty())
    return fail("no command given; usage: kfm-energy run --node NAME -- CMD [ARGS...]");
  auto env = pipeline::RunEnvironmentFromEnv();
  if (!env.ok()) return fail(env.status().message());
  if (env->run_id_generated)
    std::cerr << "kfm-energy: KFM_RUN_ID not set; this run is " << env->run_id << "\n";
  for (const auto& warning : env->warnings) std::cerr << "kfm-energy: " << warning << "\n";
  for (const auto& line : pipeline::RecoverUnfinishedRuns(env->home))
    std::cerr << "kfm-energy: " << line << "\n";
  auto accounting_mode = meter::ParseAccountingMode(options.accounting);
  if (!accounting_mode.ok()) return fail(accounting_mode.status().message());

  // Signals are blocked before the sampler thread exists, so only this thread receives them.
  pipeline::SignalBlock signals;
  meter::BecomeSubreaper();
  meter::SelectedSources sources = meter::SelectSources(env->meter);
  for (const auto& warning : sources.warnings) std::cerr << "kfm-energy: " << warning << "\n";
  std::string accounting_note;
  auto accounting = meter::MakeCpuAccounting(*accounting_mode, &accounting_note);
  if (*accounting_mode == meter::AccountingMode::kCgroup && accounting->kind() != "cgroup") {
    return fail("--cpu-accounting cgroup: " + accounting_note);
  }
  const pipeline::NodeRunRequest request =
      pipeline::MakeNodeRequest(*env, sources, accounting->kind(), options.node, options.domain,
                                options.pipeline_kind, options.command, options.service_name);

  meter::Sampler sampler(std::move(sources), std::move(accounting), env->meter.sample_interval);
  sampler.Start();
  pipeline::NodeRunResult result = pipeline::RunNode(request, sampler, signals);
  sampler.Stop();
  // Lineage from the files just written (PROV-O, STAC items): a warning at worst. It reads the
  // documents and writes only under telemetry/prov/ and stac/, the history ingest only
  // history.sqlite, so the two run side by side and their disk syncs overlap.
  std::vector<std::string> lineage_warnings;
  auto write_lineage = [&] {
    lineage::WriteRunEndLineage(request.home, request.meta.run_id, lineage_warnings);
  };
  std::future<void> lineage_written;
  try {
    lineage_written = std::async(std::launch::async, write_lineage);
  } catch (const std::system_error&) {
    lineage_written = std::async(std::launch::deferred, write_lineage);  // no thread: in turn
  }
  // Into the run history (KFM_HOME/history.sqlite); a failure there is only a warning.
  const std::string ingest_warning = store::IngestRunBundle(env->home, env->run_id);
  lineage_written.get();
  for (auto& warning : lineage_warnings) result.warnings.push_back(std::move(warning));
  if (!ingest_warning.empty()) result.warnings.push_back(ingest_warning);

  // The bundle files are written; now the network, which may be slow or down.
  for (const auto& line :
       pipeline::ExportNodeTelemetry(env->exporter, request.home, result, env->pushgateway_url)) {
    result.warnings.push_back(line);
  }
  for (const auto& warning : result.warnings) std::cerr << "kfm-energy: " << warning << "\n";
  if (!result.outcome.error.empty())
    std::cerr << "kfm-energy run: " << result.outcome.error << "\n";
  if (!options.quiet) std::cerr << pipeline::FormatSummary(request, result);
  return result.exit_code;
}

}  // namespace

void AddRunCommand(CLI::App& root, int& exit_code) {
  static RunOptions options;
  auto* cmd = root.add_subcommand(
      "run", "Run a command as one pipeline node and measure its energy and carbon");
  cmd->footer(
      "Example:\n"
      "  KFM_RUN_ID=nightly-2026-11-25 kfm-energy run --node usgs_gauges --domain hydro -- python "
      "etl/usgs.py\n\n"
      "The command runs as a child (no shell), receives SIGINT/SIGTERM sent to kfm-energy, and\n"
      "kfm-energy exits with its status (128+N when killed by signal N; 127 when it cannot "
      "start).\n"
      "The child gets TRACEPARENT (its node span), KFM_RUN_ID, KFM_HOME and KFM_NODE_REPORT: a "
      "file to\n"
      "which it may append `records_out N`, `bytes_out N`, `dataset NAME VERSION URI SHA256`.\n"
      "Writes $KFM_HOME/telemetry/otel/spans-kfm-run-<run-id>.json (OTLP JSON lines) and\n"
      "$KFM_HOME/telemetry/energy/kfm-run-<run-id>.json, then a summary on stderr.\n"
      "With OTEL_EXPORTER_OTLP_ENDPOINT set, the span and energy metrics then go to the collector\n"
      "over OTLP (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf, http/json, grpc); what it does not\n"
      "accept is kept in $KFM_HOME/telemetry/spool/ for `kfm-energy flush`.\n"
      "Carbon: each hour's joules times the intensity of KFM_REGION (default SPP_KS) then, from\n"
      "the shipped tables, $KFM_HOME/carbon/ and KFM_CARBON_TABLES (see `kfm-energy carbon`);\n"
      "written to $KFM_HOME/telemetry/carbon/kfm-run-<run-id>.json. $KFM_HOME/host.json, when\n"
      "present, adds the host's embodied emissions to sci.gco2e_per_record.\n"
      "Environment: KFM_RUN_ID, KFM_HOME, KFM_REGION, KFM_CARBON_TABLES,\n"
      "KFM_CARBON_UNKNOWN_REGION, KFM_SAMPLE_INTERVAL_MS, KFM_SYSFS_ROOT, KFM_NVML_LIBRARY,\n"
      "TRACEPARENT, TRACESTATE, OTEL_* (see docs/reference/otlp-export.md).");
  cmd->add_option("--node", options.node, "Node name; the span is etl.node.<NAME>")->required();
  cmd->add_option("--domain", options.domain, "kfm.domain of the node (e.g. hydro, atmo)")
      ->capture_default_str();
  cmd->add_option("--pipeline-kind", options.pipeline_kind, "kfm.pipeline_kind (e.g. nightly)")
      ->capture_default_str();
  cmd->add_option("--service-name", options.service_name, "service.name (default kfm.etl.<NAME>)");
  cmd->add_option(
         "--cpu-accounting", options.accounting,
         "How the node's CPU time is counted: auto (cgroup v2 if possible), cgroup, procfs")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", options.quiet, "Do not print the summary");
  cmd->add_option("command", options.command, "The command and its arguments, after --")
      ->required();
  cmd->callback([&exit_code] { exit_code = Run(options); });
}

}  // namespace kfm::cli
