// What each fuzz target checks for one input, shared by the libFuzzer targets (fuzz/*_fuzz.cc)
// and the unit test that replays the seed corpora and every kept crash
// (tests/unit/fuzz/regressions_test.cc). Each check returns "" when the input was handled
// properly (a value, or a refusal naming the file) and otherwise says what went wrong; a crash
// or sanitizer report is a finding too. Header-only. Not thread-safe: the file-reading checks
// share one scratch directory per process.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "carbon/importers.h"
#include "carbon/table.h"
#include "otel/otlp_json_reader.h"
#include "otel/schema_check.h"
#include "otel/trace_context.h"
#include "pipeline/node_report.h"
#include "pipeline/pipeline_file.h"

namespace kfm::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// "" when `message` names `file`, else the complaint.
inline std::string NamesFile(const std::string& message, std::string_view file) {
  if (message.find(file) != std::string::npos) return "";
  return "refusal does not name " + std::string(file) + ": " + message;
}

// A per-process scratch directory, removed when the process exits normally.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path = base / ("kfm-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

// `<dir>/kfm-fuzz-<pid>/<name>`, rewritten with `text` on each call (/dev/shm when present).
inline std::filesystem::path ScratchFile(std::string_view name, std::string_view text) {
  static const ScratchDir dir;
  auto path = dir.path / std::string(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return path;
}

// The pipeline YAML loader, the duration parser and ${VAR} expansion.
inline std::string CheckPipelineYaml(std::string_view text) {
  (void)pipeline::ParseDuration(text);
  auto expanded =
      pipeline::ExpandVariables(text, [](const std::string& name) -> std::optional<std::string> {
        if (name.size() % 2 == 0) return std::nullopt;
        return "v";
      });
  (void)expanded.ok();
  auto spec = pipeline::ParsePipeline(text, "fuzz.yaml");
  if (!spec.ok()) return NamesFile(spec.status().message(), "fuzz.yaml");
  if (spec->topological_order.size() != spec->nodes.size()) return "topological order incomplete";
  std::vector<bool> seen(spec->nodes.size(), false);
  for (size_t index : spec->topological_order) {
    if (index >= seen.size() || seen[index]) return "topological order repeats a node";
    for (const auto& need : spec->nodes[index].needs) {
      const auto* upstream = spec->Find(need);
      if (upstream == nullptr) return "accepted an unknown need " + need;
      if (!seen[static_cast<size_t>(upstream - spec->nodes.data())]) {
        return "node " + spec->nodes[index].name + " ordered before " + need;
      }
    }
    seen[index] = true;
  }
  return "";
}

// KFM_NODE_REPORT lines: counts never negative, every problem names the file.
inline std::string CheckNodeReport(std::string_view text) {
  auto report = pipeline::ParseNodeReport(text, "report.txt");
  if (report.records_out && *report.records_out < 0) return "negative records_out";
  if (report.bytes_out && *report.bytes_out < 0) return "negative bytes_out";
  for (const auto& problem : report.problems) {
    if (problem.rfind("report.txt:", 0) != 0) return "problem without file:line: " + problem;
  }
  return "";
}

// traceparent: what parses formats back and parses again to the same context.
inline std::string CheckTraceparent(std::string_view text) {
  auto context = otel::ParseTraceparent(text);
  if (!context) return "";
  const std::string formatted = otel::FormatTraceparent(*context);
  auto again = otel::ParseTraceparent(formatted);
  if (!again || again->trace_id != context->trace_id || again->span_id != context->span_id ||
      again->flags != context->flags) {
    return "traceparent does not round-trip: " + formatted;
  }
  return "";
}

// OTLP JSON lines: each line flattened, then the whole text checked as a span file.
inline std::string CheckOtlpJson(std::string_view text) {
  size_t start = 0;
  int line = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    auto doc = nlohmann::json::parse(text.substr(start, end - start), nullptr,
                                     /*allow_exceptions=*/false);
    if (!doc.is_discarded()) {
      const std::string where = "line " + std::to_string(line);
      auto flat = otel::FlattenOtlpRequest(doc, where);
      for (const auto& error : flat.errors) {
        if (error.where.rfind(where, 0) != 0) return "error not placed at " + where;
      }
    }
    start = end + 1;
  }
  auto path = ScratchFile("spans-kfm-run-fuzz.json", text);
  auto check = otel::CheckFile(path);
  if (!check.ok()) return NamesFile(check.status().message(), path.filename().string());
  return "";
}

// A carbon table: the values CSV, a line "---", the metadata JSON. What parses formats back to
// texts that parse to as many rows.
inline std::string CheckCarbonTable(std::string_view text) {
  const size_t split = text.find("\n---\n");
  const auto csv = split == std::string_view::npos ? text : text.substr(0, split + 1);
  const auto meta =
      split == std::string_view::npos ? std::string_view("{}") : text.substr(split + 5);
  auto table = carbon::ParseTable(csv, meta, "fuzz.csv", "fuzz.meta.json");
  if (!table.ok()) {
    const auto& message = table.status().message();
    if (message.find("fuzz.csv") == std::string::npos &&
        message.find("fuzz.meta.json") == std::string::npos) {
      return "refusal names neither file: " + message;
    }
    return "";
  }
  std::vector<carbon::Row> rows;
  for (const auto& [region, periods] : table->regions) {
    for (const auto& period : periods) {
      if (!std::isfinite(period.gco2e_per_kwh) || period.gco2e_per_kwh < 0) {
        return "accepted intensity " + std::to_string(period.gco2e_per_kwh);
      }
      rows.push_back({region, period});
    }
  }
  auto again =
      carbon::ParseTable(carbon::FormatValuesCsv(rows), carbon::FormatMetaJson(table->meta),
                         "again.csv", "again.meta.json");
  if (!again.ok()) return "formatted table does not parse: " + again.status().message();
  if (again->row_count() != table->row_count()) return "formatted table lost rows";
  return "";
}

// The importers. The first byte picks the format (and, with its top bit, a region); the rest
// is the file.
inline std::string CheckCarbonImport(std::string_view input) {
  if (input.empty()) return "";
  using carbon::ImportFormat;
  static constexpr ImportFormat kFormats[] = {ImportFormat::kElectricityMaps, ImportFormat::kEia930,
                                              ImportFormat::kCarbonAwareJson};
  static constexpr const char* kNames[] = {"import.csv", "import.json", "emissions.json"};
  const auto selector = static_cast<unsigned char>(input[0]);
  const size_t pick = selector % 3;
  auto path = ScratchFile(kNames[pick], input.substr(1));
  carbon::ImportRequest request{.format = kFormats[pick],
                                .region = (selector & 0x80) != 0 ? "SPP_KS" : "",
                                .files = {path},
                                .version = "20261201T000000Z",
                                .retrieved = "2026-12-01"};
  auto imported = carbon::ImportFiles(request);
  if (!imported.ok()) return NamesFile(imported.status().message(), kNames[pick]);
  for (const auto& row : imported->rows) {
    if (!std::isfinite(row.period.gco2e_per_kwh) || row.period.gco2e_per_kwh < 0) {
      return "imported intensity " + std::to_string(row.period.gco2e_per_kwh);
    }
  }
  return "";
}

}  // namespace kfm::fuzz
