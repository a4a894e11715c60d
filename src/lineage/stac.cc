#include "lineage/stac.h"

#include "otel/bundle.h"

namespace kfm::lineage {
namespace {

using nlohmann::json;

// From datasets/<name>/<version>/ back to KFM_HOME.
constexpr const char* kToHome = "../../../";

}  // namespace

std::string StacItemId(const DatasetVersion& dataset) {
  return dataset.name + "-" + dataset.version;
}

std::vector<json> BuildStacItems(const RunLineage& run) {
  std::vector<json> items;
  for (const NodeExecution& node : run.nodes) {
    for (const DatasetVersion& d : node.datasets) {
      json properties = {
          {"datetime", d.generated_at},
          {"start_datetime", node.start_time},
          {"end_datetime", node.end_time},
          {"title", d.name + " " + d.version},
          {"kfm:energy_ref", run.energy_ref},
          {"kfm:carbon_ref", run.carbon_ref},
          {"kfm:otel_span_bundle", run.spans_ref},
          {"kfm:energy_schema", kEnergySchemaRef},
          {"kfm:carbon_schema", kCarbonSchemaRef},
          {"kfm:prov_ref", run.prov_ref},
          {"kfm:run_id", run.run_id},
          {"kfm:node", node.node},
          {"kfm:pipeline", run.pipeline},
          {"kfm:domain", node.domain},
          {"kfm:dataset", d.name},
          {"kfm:version", d.version},
          {"kfm:energy_total_j", node.total_j},
      };
      if (node.gco2e) properties["kfm:carbon_gco2e"] = *node.gco2e;
      json assets = {
          {"data",
           {{"href", d.uri},
            {"title", d.name + " " + d.version},
            {"roles", {"data"}},
            {"kfm:sha256", d.sha256}}},
          {"energy",
           {{"href", kToHome + run.energy_ref},
            {"type", "application/json"},
            {"title", "Energy record (kfm.energy.v2)"},
            {"roles", {"metadata"}}}},
          {"otel_spans",
           {{"href", kToHome + run.spans_ref},
            {"type", "application/x-ndjson"},
            {"title", "OTLP JSON span bundle"},
            {"roles", {"metadata"}}}},
          {"prov",
           {{"href", kToHome + run.prov_ref},
            {"type", "application/ld+json"},
            {"title", "PROV-O lineage of the run"},
            {"roles", {"metadata"}}}},
      };
      if (run.has_carbon) {
        assets["carbon"] = {{"href", kToHome + run.carbon_ref},
                            {"type", "application/json"},
                            {"title", "Carbon record (kfm.carbon.v2)"},
                            {"roles", {"metadata"}}};
      }
      items.push_back({
          {"type", "Feature"},
          {"stac_version", "1.0.0"},
          {"stac_extensions", json::array()},
          {"id", StacItemId(d)},
          {"geometry", nullptr},
          {"properties", std::move(properties)},
          {"links",
           {{{"rel", "describedby"},
             {"href", kToHome + run.prov_ref},
             {"type", "application/ld+json"},
             {"title", "PROV-O lineage of the run"}},
            {{"rel", "via"},
             {"href", kToHome + run.energy_ref},
             {"type", "application/json"},
             {"title", "Energy telemetry of the run"}}}},
          {"assets", std::move(assets)},
      });
    }
  }
  return items;
}

json StacItemCollection(const std::vector<json>& items) {
  return {{"type", "FeatureCollection"}, {"features", items}};
}

Status WriteStacItems(const std::filesystem::path& home, const RunLineage& run,
                      std::vector<std::string>* warnings) {
  for (const json& item : BuildStacItems(run)) {
    const std::string name = item["properties"]["kfm:dataset"];
    const std::string version = item["properties"]["kfm:version"];
    if (!otel::CheckPathComponent("dataset name", name).ok() ||
        !otel::CheckPathComponent("dataset version", version).ok()) {
      if (warnings != nullptr)
        warnings->push_back("STAC item " + item["id"].get<std::string>() +
                            " not written beside its dataset: name or version is not a file name");
      continue;
    }
    const auto dir = home / "datasets" / name / version;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError(dir.string() + ": " + ec.message());
    if (Status s = otel::WriteFileAtomically(dir / (item["id"].get<std::string>() + ".json"),
                                             item.dump(2) + "\n");
        !s.ok())
      return s;
  }
  return Status::Ok();
}

}  // namespace kfm::lineage
