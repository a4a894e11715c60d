// `kfm-energy ingest FILE|DIR...`: stores span bundles and OpenTelemetry Collector file-exporter
// output (OTLP JSON lines) in the run history, each file in one transaction.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/command.h"
#include "otel/bundle.h"
#include "store/history.h"

namespace kfm::cli {
namespace {

struct IngestOptions {
  std::vector<std::string> inputs;
  std::string history;  // default $KFM_HOME/history.sqlite
  bool quiet = false;
  double lock_timeout_s = 30;
};

bool IsSpanFile(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".json" || ext == ".jsonl" || ext == ".ndjson";
}

// In a directory, only files whose first line is a trace request count: a KFM_HOME holds
// energy and carbon documents (pretty-printed JSON) beside the span bundles.
bool LooksLikeOtlpTraces(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto first_line = head.substr(0, head.find('\n'));
  return first_line.find("\"resourceSpans\"") != std::string::npos;
}

// Files named directly, plus *.json, *.jsonl, *.ndjson under named directories (sorted).
Result<std::vector<std::filesystem::path>> ExpandInputs(const std::vector<std::string>& inputs) {
  std::vector<std::filesystem::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    const auto status = std::filesystem::status(input, ec);
    if (ec || !std::filesystem::exists(status))
      return Status::InvalidArgument(input + ": no such file or directory");
    if (!std::filesystem::is_directory(status)) {
      files.emplace_back(input);
      continue;
    }
    std::vector<std::filesystem::path> found;
    for (auto it = std::filesystem::recursive_directory_iterator(input, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && IsSpanFile(it->path()) && LooksLikeOtlpTraces(it->path()))
        found.push_back(it->path());
    }
    if (ec) return Status::InvalidArgument(input + ": cannot list: " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::string Describe(const store::IngestCounts& c) {
  std::string text = std::to_string(c.new_spans()) + " new, " +
                     std::to_string(c.duplicate_spans()) + " duplicate (" +
                     std::to_string(c.new_nodes + c.duplicate_nodes) + " node spans, " +
                     std::to_string(c.new_runs + c.duplicate_runs) + " run spans";
  if (c.other_spans > 0) text += ", " + std::to_string(c.other_spans) + " other spans skipped";
  return text + ")";
}

int RunIngest(const IngestOptions& options) {
  const std::filesystem::path history_path = options.history.empty()
                                                 ? store::DefaultHistoryPath(otel::HomeFromEnv())
                                                 : std::filesystem::path(options.history);
  auto files = ExpandInputs(options.inputs);
  if (!files.ok()) {
    std::cerr << "kfm-energy ingest: " << files.status().message() << "\n";
    return 2;
  }
  if (!(options.lock_timeout_s >= 0)) {
    std::cerr << "kfm-energy ingest: --lock-timeout must be 0 or more seconds\n";
    return 2;
  }
  store::HistoryOptions history_options;
  history_options.busy_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(options.lock_timeout_s * 1000));
  auto history = store::History::Open(history_path, history_options);
  if (!history.ok()) {
    std::cerr << "kfm-energy ingest: " << history.status().message() << "\n";
    return 2;
  }
  store::IngestCounts total;
  int failed = 0;
  int exit_code = 0;
  for (const auto& file : *files) {
    auto counts = history->IngestFile(file);
    if (!counts.ok()) {
      std::cerr << "kfm-energy ingest: " << counts.status().message() << "\n  (nothing of "
                << file.string() << " was stored)\n";
      ++failed;
      // Bad input is 2; a history that stayed locked or failed to write is 1.
      const bool bad_input = counts.status().code() == Status::Code::kInvalidArgument ||
                             counts.status().code() == Status::Code::kNotFound;
      exit_code = bad_input ? 2 : std::max(exit_code, 1);
      continue;
    }
    total += *counts;
    if (!options.quiet) std::cout << file.string() << ": " << Describe(*counts) << "\n";
  }
  std::cout << "ingested " << (files->size() - static_cast<std::size_t>(failed)) << " of "
            << files->size() << " file(s) into " << history_path.string() << ": " << Describe(total)
            << "\n";
  return exit_code;
}

}  // namespace

void AddIngestCommand(CLI::App& root, int& exit_code) {
  static IngestOptions options;
  auto* cmd = root.add_subcommand(
      "ingest", "Store span bundles or OpenTelemetry Collector output in the run history");
  cmd->footer(
      "Examples:\n"
      "  kfm-energy ingest $KFM_HOME/telemetry/otel/spans-kfm-run-20261125T042000Z-3f9a1c.json\n"
      "  kfm-energy ingest /var/lib/otelcol/traces.json      # a collector's file exporter\n"
      "  kfm-energy ingest fleet-bundles/   # files below whose first line is an OTLP trace "
      "request\n\n"
      "Input: OTLP JSON lines, one ExportTraceServiceRequest per line (any number of runs and\n"
      "resources per file). etl.node.* spans become nodes, etl.run spans runs; runs without an\n"
      "etl.run span (kfm-energy run) are summed from their nodes; other spans are skipped and\n"
      "counted. A span already stored (same traceId and spanId) is counted as a duplicate and\n"
      "changes nothing, so ingesting a file twice is harmless.\n"
      "Each file is one transaction: a malformed line stores nothing of its file and is reported\n"
      "as FILE:LINE with the field; the other files are still ingested, and the exit code is 2.\n"
      "Runs of kfm-energy run and pipeline run are ingested automatically when they end.\n"
      "History: $KFM_HOME/history.sqlite (default ./kfm-data), or --history FILE. Exit codes: 0\n"
      "all stored, 1 the history could not be written (e.g. locked too long), 2 bad input.");
  cmd->add_option("inputs", options.inputs, "Span files or directories")->required();
  cmd->add_option("--history", options.history, "History file (default $KFM_HOME/history.sqlite)");
  cmd->add_option("--lock-timeout", options.lock_timeout_s,
                  "Seconds to wait for another process's write lock on the history")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", options.quiet, "Print only the total");
  cmd->callback([&exit_code] { exit_code = RunIngest(options); });
}

}  // namespace kfm::cli
