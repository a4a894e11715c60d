// `kfm-energy pipeline run|check FILE.yaml`: a DAG of nodes as one measured run.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "lineage/run_end.h"
#include "meter/cpu_accounting.h"
#include "pipeline/node_runner.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/run_environment.h"
#include "pipeline/run_journal.h"

namespace kfm::cli {
namespace {

struct PipelineOptions {
  std::string file;
  int jobs = 0;
  double grace_s = 10;
  std::string accounting = "auto";
  bool quiet = false;
};

int Fail(std::string_view command, const std::string& message) {
  std::cerr << "kfm-energy pipeline " << command << ": " << message << "\n";
  return 2;
}

int Check(const PipelineOptions& options) {
  auto spec = pipeline::LoadPipeline(options.file);
  if (!spec.ok()) return Fail("check", spec.status().message());
  std::cout << options.file << ": ok, pipeline " << spec->name << ", " << spec->nodes.size()
            << " nodes; order:";
  for (size_t index : spec->topological_order) std::cout << " " << spec->nodes[index].name;
  std::cout << "\n";
  return 0;
}

int Run(const PipelineOptions& options) {
  auto spec = pipeline::LoadPipeline(options.file);
  if (!spec.ok()) return Fail("run", spec.status().message());
  // The file's region applies unless KFM_REGION says otherwise.
  if (const char* region = std::getenv("KFM_REGION");
      !spec->region.empty() && (region == nullptr || *region == '\0')) {
    ::setenv("KFM_REGION", spec->region.c_str(), /*overwrite=*/1);
  }
  auto env = pipeline::RunEnvironmentFromEnv();
  if (!env.ok()) return Fail("run", env.status().message());
  if (Status s = pipeline::ExpandPipeline(*spec, *env); !s.ok()) return Fail("run", s.message());
  if (options.jobs < 0) return Fail("run", "--jobs must be at least 1");
  if (options.grace_s < 0) return Fail("run", "--grace must not be negative");
  if (auto mode = meter::ParseAccountingMode(options.accounting); !mode.ok())
    return Fail("run", "--cpu-accounting: " + mode.status().message());
  if (env->run_id_generated)
    std::cerr << "kfm-energy: KFM_RUN_ID not set; this run is " << env->run_id << "\n";
  for (const auto& warning : env->warnings) std::cerr << "kfm-energy: " << warning << "\n";
  for (const auto& line : pipeline::RecoverUnfinishedRuns(env->home))
    std::cerr << "kfm-energy: " << line << "\n";

  pipeline::PipelineRunOptions run_options;
  run_options.jobs = options.jobs > 0
                         ? options.jobs
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  run_options.grace = std::chrono::milliseconds(static_cast<int64_t>(options.grace_s * 1000));
  run_options.accounting = options.accounting;
  run_options.progress = options.quiet ? nullptr : &std::cerr;
  run_options.live = !options.quiet && ::isatty(STDERR_FILENO) != 0;
  pipeline::PipelineResult result = pipeline::RunPipeline(*spec, *env, run_options);
  // Lineage from the files just written (PROV-O, STAC items): a warning at worst.
  lineage::WriteRunEndLineage(env->home, env->run_id, result.warnings);

  // Every file is written; now the network, which may be slow or down.
  for (const auto& line :
       pipeline::ExportRunTelemetry(env->exporter, env->home, result, env->pushgateway_url)) {
    result.warnings.push_back(line);
  }
  for (const auto& warning : result.warnings) std::cerr << "kfm-energy: " << warning << "\n";
  if (!options.quiet) std::cerr << "\n" << pipeline::FormatPipelineTable(*spec, result);
  return result.exit_code;
}

}  // namespace

void AddPipelineCommand(CLI::App& root, int& exit_code) {
  static PipelineOptions options;
  auto* pipeline = root.add_subcommand("pipeline", "Run a DAG of nodes (a pipeline file)");
  pipeline->require_subcommand(1);
  pipeline->footer(
      "A pipeline file names nodes, each an argv (`run: [prog, arg...]`, ${VAR} expanded; a\n"
      "shell line only with `shell: \"...\"`), with `needs` edges, domain, env, timeout,\n"
      "retries and production. See docs/reference/pipeline-file.md.");

  auto* run = pipeline->add_subcommand(
      "run", "Run every node, in parallel where the DAG allows, as one measured run");
  run->add_option("file", options.file, "The pipeline file (YAML)")->required();
  run->add_option("-j,--jobs", options.jobs, "Nodes at a time (default: the number of cores)");
  run->add_option("--grace", options.grace_s,
                  "Seconds between SIGTERM and SIGKILL for a node that times out or is stopped")
      ->capture_default_str();
  run->add_option("--cpu-accounting", options.accounting,
                  "auto (a cgroup v2 group per node where possible), cgroup, procfs")
      ->capture_default_str();
  run->add_flag("-q,--quiet", options.quiet, "No progress and no table");
  run->footer(
      "All nodes share one sampler: concurrent nodes split the machine's energy by their CPU\n"
      "(and GPU) use, and nodes + the unattributed rest add up to what was measured. Spans:\n"
      "one etl.run, with an etl.node.<name> child per node that ran; the files are those of\n"
      "`kfm-energy run` under $KFM_HOME. A node that fails (exit status, signal, timeout after\n"
      "its retries) is an ERROR span and skips everything downstream; SIGINT/SIGTERM stop the\n"
      "nodes (SIGTERM, then SIGKILL after --grace) and still write every span and file.\n"
      "Exit: 0 every node succeeded; 1 a node failed; 2 bad file or settings (nothing ran);\n"
      "128+N when stopped by signal N.\n"
      "Example: KFM_RUN_ID=nightly-20261201 kfm-energy pipeline run "
      "examples/nightly/pipeline.yaml");
  run->callback([&exit_code] { exit_code = Run(options); });

  auto* check = pipeline->add_subcommand(
      "check", "Check a pipeline file (keys, types, dependencies, cycles) without running it");
  check->add_option("file", options.file, "The pipeline file (YAML)")->required();
  check->footer("Exit 0 when the file is valid, 2 with file:line:column and field otherwise.");
  check->callback([&exit_code] { exit_code = Check(options); });
}

}  // namespace kfm::cli
