// `kfm-energy rollup --window 30d [--pipeline P] [--out FILE] [--json]`: the run history rolled
// up into per-node, per-run and per-pipeline figures with 7- and 30-day baselines, written as
// a kfm.energy-rollup.v1 document (by default
// $KFM_HOME/releases/<release>/energy-rollup-<kind>.json).
#include <iostream>
#include <string>

#include "cli/command.h"
#include "otel/bundle.h"
#include "rollup/history_slice.h"
#include "rollup/rollup.h"
#include "rollup/window.h"

namespace kfm::cli {
namespace {

struct RollupArgs {
  std::string window = "30d";
  std::string pipeline;
  std::string out;
  std::string release;
  std::string kind = "nightly";
  std::string history;
  bool json = false;
};

// "0.1.0" -> "v0.1.x": rollups are tied to a release line, as the spec's v11.2.x.
std::string DefaultRelease() {
  const std::string version = KFM_VERSION;
  const auto last_dot = version.rfind('.');
  return "v" + (last_dot == std::string::npos ? version : version.substr(0, last_dot)) + ".x";
}

int Rollup(const RollupArgs& args) {
  auto fail = [](const std::string& message, int code = 2) {
    std::cerr << "kfm-energy rollup: " << message << "\n";
    return code;
  };
  auto window = rollup::ParseWindow(args.window, "--window");
  if (!window.ok()) return fail(window.status().message());
  const std::string release = args.release.empty() ? DefaultRelease() : args.release;
  if (Status s = otel::CheckPathComponent("--release", release); !s.ok()) return fail(s.message());
  if (Status s = otel::CheckPathComponent("--kind", args.kind); !s.ok()) return fail(s.message());

  rollup::RollupOptions options;
  options.until_unix_nano = rollup::NowUnixNano();
  options.since_unix_nano = options.until_unix_nano - window->count() * rollup::kNanosPerSecond;
  options.window = args.window;
  options.pipeline = args.pipeline;
  options.release = release;
  options.kind = args.kind;
  options.version = KFM_VERSION;

  auto slice = rollup::LoadHistorySlice(rollup::HistoryPath(args.history),
                                        rollup::RollupLookbackStart(options),
                                        options.until_unix_nano, args.pipeline);
  if (!slice.ok()) return fail(slice.status().message());
  const rollup::Rollup result = rollup::ComputeRollup(slice->runs, slice->nodes, options);
  const nlohmann::json doc = rollup::RollupToJson(result);

  const std::filesystem::path out = args.out.empty() ? otel::HomeFromEnv() / "releases" / release /
                                                           ("energy-rollup-" + args.kind + ".json")
                                                     : std::filesystem::path(args.out);
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  if (ec) return fail(out.parent_path().string() + ": cannot create: " + ec.message(), 1);
  if (Status s = otel::WriteFileAtomically(out, doc.dump(2) + "\n"); !s.ok()) {
    return fail(s.message(), 1);
  }
  if (args.json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  if (!slice->exists) {
    std::cout << "no history yet (" << slice->path.string() << " does not exist).\n";
  }
  std::cout << rollup::FormatRollupSummary(result) << "written " << out.string() << "\n";
  return 0;
}

}  // namespace

void AddRollupCommand(CLI::App& root, int& exit_code) {
  static RollupArgs args;
  auto* cmd = root.add_subcommand(
      "rollup", "Roll the run history up: per-node J/record, per-run gCO2e, 7/30-day baselines");
  cmd->add_option("--window", args.window, "How far back to roll up: 30d, 14d, 12h, 2w")
      ->capture_default_str();
  cmd->add_option("--pipeline", args.pipeline, "Only this pipeline (kfm.pipeline)");
  cmd->add_option("--out", args.out,
                  "Where to write the JSON (default "
                  "$KFM_HOME/releases/<release>/energy-rollup-<kind>.json)");
  cmd->add_option("--release", args.release,
                  "Release directory name (default v<major>.<minor>.x of this kfm-energy, e.g. " +
                      DefaultRelease() + ")");
  cmd->add_option("--kind", args.kind, "Kind part of the default file name")->capture_default_str();
  cmd->add_option("--history", args.history, "History file (default $KFM_HOME/history.sqlite)");
  cmd->add_flag("--json", args.json, "Print the document instead of the summary");
  cmd->footer(
      "Per node: total J, J/record, J/MB, gCO2e, gCO2e/record and the runs counted; per run:\n"
      "total J and gCO2e; per pipeline: 7- and 30-day baselines (mean, median, p90, stddev,\n"
      "trend per day) of gCO2e/run, J/run, J/record and gCO2e/record, and a daily series with\n"
      "rolling means. Measured and modelled figures are separate rows, never averaged\n"
      "together. The document follows schemas/telemetry/energy-rollup-v1.json\n"
      "(`kfm-energy validate FILE` checks it); it is written atomically.\n"
      "Examples:\n"
      "  kfm-energy rollup --window 30d\n"
      "  kfm-energy rollup --window 7d --pipeline nightly --out "
      "releases/v11.2.x/energy-rollup-nightly.json\n"
      "  kfm-energy rollup --json | jq '.nodes[] | {node, j_per_record}'\n"
      "An empty history gives an empty (valid) rollup and exit 0. Exit 2: bad option or\n"
      "unreadable history; 1: the file could not be written. See docs/reference/rollup.md.");
  cmd->callback([&exit_code] { exit_code = Rollup(args); });
}

}  // namespace kfm::cli
