#include "lineage/release_bundle.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "carbon/table.h"
#include "lineage/stac.h"
#include "otel/bundle.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.1.0"
#endif

namespace kfm::lineage {
namespace {

using nlohmann::json;

// The file's sha256, or empty when it is absent.
Result<std::string> FileSha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::string();
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError(file.string() + ": cannot read");
  return carbon::Sha256Hex(bytes.str());
}

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

std::filesystem::path ReleaseBundlePath(const std::filesystem::path& home,
                                        const std::string& release) {
  return home / "releases" / release / "otel-energy-etl-telemetry.json";
}

Result<json> ReleaseBundleEntry(const std::filesystem::path& home, const RunLineage& run) {
  json files = json::object();
  for (const auto& [key, ref] : {std::pair{"energy", run.energy_ref},
                                 {"carbon", run.carbon_ref},
                                 {"otel_spans", run.spans_ref},
                                 {"prov", run.prov_ref}}) {
    auto digest = FileSha256(home / ref);
    if (!digest.ok()) return digest.status();
    if (digest->empty()) continue;
    files[key] = {{"path", ref}, {"sha256", *digest}};
  }
  double total_j = 0, gco2e = 0;
  int64_t records = 0;
  json datasets = json::array();
  for (const NodeExecution& node : run.nodes) {
    total_j += node.total_j;
    gco2e += node.gco2e.value_or(0);
    records += node.records_out.value_or(0);
    for (const DatasetVersion& d : node.datasets) {
      datasets.push_back(
          {{"name", d.name},
           {"version", d.version},
           {"uri", d.uri},
           {"sha256", d.sha256},
           {"node", d.node},
           {"stac_item", "datasets/" + d.name + "/" + d.version + "/" + StacItemId(d) + ".json"}});
    }
  }
  json tables = json::array();
  for (const CarbonTableRef& t : run.tables) {
    tables.push_back(
        {{"id", t.id}, {"version", t.version}, {"source", t.source}, {"sha256", t.sha256}});
  }
  return json{{"run_id", run.run_id},
              {"pipeline", run.pipeline},
              {"kind", run.pipeline_kind},
              {"domain", run.domain},
              {"hostname", run.hostname},
              {"started_at", run.start_time},
              {"ended_at", run.end_time},
              {"status", run.ok ? "ok" : "error"},
              {"node_count", static_cast<int64_t>(run.nodes.size())},
              {"energy_total_j", total_j},
              {"carbon_gco2e", gco2e},
              {"records_out", records},
              {"refs",
               {{"kfm:energy_ref", run.energy_ref},
                {"kfm:carbon_ref", run.carbon_ref},
                {"kfm:otel_span_bundle", run.spans_ref},
                {"kfm:prov_ref", run.prov_ref},
                {"kfm:energy_schema", kEnergySchemaRef},
                {"kfm:carbon_schema", kCarbonSchemaRef}}},
              {"files", std::move(files)},
              {"carbon_tables", std::move(tables)},
              {"datasets", std::move(datasets)}};
}

Status AddRunToReleaseBundle(const std::filesystem::path& file, const std::string& release,
                             const std::filesystem::path& home, const RunLineage& run,
                             std::string* warning) {
  auto entry = ReleaseBundleEntry(home, run);
  if (!entry.ok()) return entry.status();
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return Status::IoError(file.parent_path().string() + ": " + ec.message());
  return otel::UpdateJsonDocument(
      file,
      [&](json& doc) {
        json runs = json::array();
        if (doc.is_object() && doc.contains("runs") && doc["runs"].is_array()) {
          for (auto& r : doc["runs"]) {
            if (!(r.is_object() && r.value("run_id", "") == run.run_id))
              runs.push_back(std::move(r));
          }
        }
        runs.push_back(*entry);
        std::stable_sort(runs.begin(), runs.end(), [](const json& a, const json& b) {
          return std::make_pair(a.value("started_at", ""), a.value("run_id", "")) <
                 std::make_pair(b.value("started_at", ""), b.value("run_id", ""));
        });
        double total_j = 0, gco2e = 0;
        for (const auto& r : runs) {
          total_j += r.value("energy_total_j", 0.0);
          gco2e += r.value("carbon_gco2e", 0.0);
        }
        doc = {{"schema", "kfm.telemetry-bundle.v1"},
               {"telemetry_schema", kTelemetryBundleSchemaRef},
               {"release", release},
               {"generated_at", NowUtc()},
               {"generator", {{"name", "kfm-energy"}, {"version", KFM_VERSION}}},
               {"totals",
                {{"runs", static_cast<int64_t>(runs.size())},
                 {"energy_total_j", total_j},
                 {"carbon_gco2e", gco2e}}},
               {"runs", std::move(runs)}};
      },
      warning);
}

}  // namespace kfm::lineage
