// `kfm-energy runs list` and `kfm-energy runs show RUN_ID`: the run history as aligned tables
// for people and as stable JSON (--json) for scripts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "otel/bundle.h"
#include "pipeline/node_record.h"
#include "rollup/window.h"
#include "store/history.h"

namespace kfm::cli {
namespace {

struct RunsOptions {
  std::string history;
  std::string pipeline;
  std::string since;
  int limit = 20;
  bool json = false;
  std::string run_id;
};

// Columns padded to their widest cell; numbers right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> right)
      : right_(std::move(right)) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_[0].size(), 0);
    for (const auto& row : rows_)
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const std::string pad(width[i] - row[i].size(), ' ');
        line += right_[i] ? pad + row[i] : row[i] + (i + 1 < row.size() ? pad : "");
        if (i + 1 < row.size()) line += "  ";
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

std::string Start(std::int64_t unix_ns) {
  // "2026-11-25T04:20:00.123456Z" -> "2026-11-25 04:20:00Z"
  std::string utc = pipeline::FormatUtc(unix_ns);
  if (utc.size() >= 19) utc = utc.substr(0, 10) + " " + utc.substr(11, 8) + "Z";
  return utc;
}

std::string Duration(double seconds) {
  if (seconds < 60) return pipeline::FormatFixed(seconds, seconds < 10 ? 3 : 1) + " s";
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  const std::int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char text[32];
  if (h > 0) {
    std::snprintf(text, sizeof text, "%lldh%02lldm%02llds", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return text;
}

std::string Joules(double j) { return pipeline::FormatFixed(j, j >= 1000 ? 1 : 3); }

nlohmann::json RunJson(const store::RunRecord& r) {
  return {{"run_id", r.run_id},
          {"pipeline", r.pipeline},
          {"pipeline_kind", r.pipeline_kind},
          {"hostname", r.hostname},
          {"start", pipeline::FormatUtc(r.start_unix_nano)},
          {"start_unix_nano", r.start_unix_nano},
          {"end_unix_nano", r.end_unix_nano},
          {"duration_s", static_cast<double>(r.end_unix_nano - r.start_unix_nano) / 1e9},
          {"status", r.ok ? "ok" : "failed"},
          {"nodes", r.node_count},
          {"energy_j", r.total_j},
          {"gco2e", r.gco2e},
          {"figures", r.modelled ? "modelled" : "measured"},
          {"has_run_span", r.has_run_span}};
}

nlohmann::json NodeJson(const store::NodeRecord& n) {
  nlohmann::json j = {{"node", n.node},
                      {"trace_id", n.trace_id},
                      {"span_id", n.span_id},
                      {"domain", n.domain},
                      {"hostname", n.hostname},
                      {"start", pipeline::FormatUtc(n.start_unix_nano)},
                      {"start_unix_nano", n.start_unix_nano},
                      {"end_unix_nano", n.end_unix_nano},
                      {"duration_s", n.duration_s},
                      {"status", n.ok ? "ok" : "failed"},
                      {"energy_j", n.total_j},
                      {"cpu_j", n.cpu_j},
                      {"dram_j", n.dram_j},
                      {"gpu_j", n.gpu_j},
                      {"cpu_method", n.cpu_method},
                      {"dram_method", n.dram_method},
                      {"gpu_method", n.gpu_method},
                      {"figures", n.modelled ? "modelled" : "measured"},
                      {"gco2e", n.gco2e},
                      {"carbon_region", n.carbon_region},
                      {"records_out", nullptr},
                      {"j_per_record", nullptr}};
  if (n.records_out) {
    j["records_out"] = *n.records_out;
    if (*n.records_out > 0) j["j_per_record"] = n.total_j / static_cast<double>(*n.records_out);
  }
  return j;
}

Result<store::History> OpenHistory(const RunsOptions& options) {
  const std::filesystem::path path = options.history.empty()
                                         ? store::DefaultHistoryPath(otel::HomeFromEnv())
                                         : std::filesystem::path(options.history);
  return store::History::Open(path);
}

int List(const RunsOptions& options) {
  auto fail = [](const std::string& message, int code) {
    std::cerr << "kfm-energy runs list: " << message << "\n";
    return code;
  };
  store::HistoryQuery q;
  q.pipeline = options.pipeline;
  if (!options.since.empty()) {
    auto window = rollup::ParseWindow(options.since, "--since");
    if (!window.ok()) return fail(window.status().message(), 2);
    q.since_unix_nano = rollup::NowUnixNano() -
                        std::chrono::duration_cast<std::chrono::nanoseconds>(*window).count();
  }
  if (options.limit < 0) return fail("--limit must be 0 (all) or more", 2);
  auto history = OpenHistory(options);
  if (!history.ok()) return fail(history.status().message(), 2);
  auto runs = history->Runs(q);
  if (!runs.ok()) return fail(runs.status().message(), 1);
  // The newest `limit` runs, newest first.
  std::reverse(runs->begin(), runs->end());
  if (options.limit > 0 && runs->size() > static_cast<std::size_t>(options.limit))
    runs->resize(static_cast<std::size_t>(options.limit));
  if (options.json) {
    nlohmann::json out = {{"history", history->path().string()}, {"runs", nlohmann::json::array()}};
    for (const auto& r : *runs) out["runs"].push_back(RunJson(r));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (runs->empty()) {
    std::cout << "no runs in " << history->path().string()
              << (options.pipeline.empty() ? "" : " for pipeline " + options.pipeline)
              << " (runs are stored when they end; `kfm-energy ingest FILE` adds others)\n";
    return 0;
  }
  Table table({"RUN ID", "PIPELINE", "START (UTC)", "DURATION", "STATUS", "NODES", "ENERGY J",
               "gCO2e", "FIGURES"},
              {false, false, false, true, false, true, true, true, false});
  for (const auto& r : *runs) {
    table.Add({r.run_id, r.pipeline, Start(r.start_unix_nano),
               Duration(static_cast<double>(r.end_unix_nano - r.start_unix_nano) / 1e9),
               r.ok ? "ok" : "failed", std::to_string(r.node_count), Joules(r.total_j),
               pipeline::FormatSignificant(r.gco2e), r.modelled ? "modelled" : "measured"});
  }
  table.Print(std::cout);
  return 0;
}

int Show(const RunsOptions& options) {
  auto fail = [](const std::string& message, int code) {
    std::cerr << "kfm-energy runs show: " << message << "\n";
    return code;
  };
  auto history = OpenHistory(options);
  if (!history.ok()) return fail(history.status().message(), 2);
  store::HistoryQuery q;
  q.run_id = options.run_id;
  auto runs = history->Runs(q);
  if (!runs.ok()) return fail(runs.status().message(), 1);
  if (runs->empty()) {
    return fail("no run '" + options.run_id + "' in " + history->path().string() +
                    " (see `kfm-energy runs list`)",
                2);
  }
  const store::RunRecord& run = runs->front();
  auto nodes = history->Nodes(q);
  if (!nodes.ok()) return fail(nodes.status().message(), 1);
  std::sort(nodes->begin(), nodes->end(), [](const auto& a, const auto& b) {
    return a.start_unix_nano != b.start_unix_nano ? a.start_unix_nano < b.start_unix_nano
                                                  : a.node < b.node;
  });
  if (options.json) {
    nlohmann::json out = {{"history", history->path().string()},
                          {"run", RunJson(run)},
                          {"nodes", nlohmann::json::array()}};
    for (const auto& n : *nodes) out["nodes"].push_back(NodeJson(n));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "run       " << run.run_id << "\n"
            << "pipeline  " << run.pipeline
            << (run.pipeline_kind.empty() ? "" : " (" + run.pipeline_kind + ")") << "\n"
            << "host      " << (run.hostname.empty() ? "-" : run.hostname) << "\n"
            << "start     " << Start(run.start_unix_nano) << ", "
            << Duration(static_cast<double>(run.end_unix_nano - run.start_unix_nano) / 1e9) << "\n"
            << "status    " << (run.ok ? "ok" : "failed") << "\n"
            << "energy    " << Joules(run.total_j) << " J ("
            << (run.modelled ? "modelled: some figures come from a model" : "measured") << ")\n"
            << "carbon    " << pipeline::FormatSignificant(run.gco2e) << " gCO2e\n\n";
  Table table({"NODE", "STATUS", "DURATION", "ENERGY J", "CPU J", "DRAM J", "GPU J", "METHOD",
               "RECORDS", "J/RECORD", "gCO2e"},
              {false, false, true, true, true, true, true, false, true, true, true});
  for (const auto& n : *nodes) {
    std::string records = "-", per_record = "-";
    if (n.records_out) {
      records = std::to_string(*n.records_out);
      if (*n.records_out > 0)
        per_record = pipeline::FormatSignificant(n.total_j / static_cast<double>(*n.records_out));
    }
    std::string method = n.cpu_method;
    if (n.gpu_method != "none" && !n.gpu_method.empty()) method += "+" + n.gpu_method;
    if (n.modelled) method += " (modelled)";
    table.Add({n.node, n.ok ? "ok" : "failed", Duration(n.duration_s), Joules(n.total_j),
               Joules(n.cpu_j), Joules(n.dram_j), Joules(n.gpu_j), method, records, per_record,
               pipeline::FormatSignificant(n.gco2e)});
  }
  table.Print(std::cout);
  return 0;
}

}  // namespace

void AddRunsCommand(CLI::App& root, int& exit_code) {
  static RunsOptions options;
  auto* runs = root.add_subcommand("runs", "List and show the runs in the history");
  runs->require_subcommand(1);
  runs->footer(
      "Examples:\n"
      "  kfm-energy runs list                         # the 20 newest runs\n"
      "  kfm-energy runs list --pipeline nightly --since 30d --limit 0\n"
      "  kfm-energy runs show 20261125T042000Z-3f9a1c\n"
      "  kfm-energy runs list --json | jq '.runs[].gco2e'\n\n"
      "The history is $KFM_HOME/history.sqlite (default ./kfm-data), or --history FILE; runs\n"
      "are stored when they end, `kfm-energy ingest` adds bundles from elsewhere. FIGURES says\n"
      "whether every joule was measured or some came from a model; the two are never mixed up.");
  auto* list = runs->add_subcommand("list", "The newest runs, newest first");
  list->add_option("--pipeline", options.pipeline, "Only this pipeline");
  list->add_option("--since", options.since, "Only runs started within this window: 12h, 30d, 2w");
  list->add_option("--limit", options.limit, "At most N runs (0 = all)")->capture_default_str();
  list->add_flag("--json", options.json, "JSON for scripts: {history, runs: [...]}");
  list->add_option("--history", options.history, "History file");
  list->callback([&exit_code] { exit_code = List(options); });
  auto* show = runs->add_subcommand("show", "One run and its nodes");
  show->add_option("run_id", options.run_id, "Run id (KFM_RUN_ID of the run)")->required();
  show->add_flag("--json", options.json, "JSON for scripts: {history, run, nodes: [...]}");
  show->add_option("--history", options.history, "History file");
  show->callback([&exit_code] { exit_code = Show(options); });
}

}  // namespace kfm::cli
