#include "lineage/dcat.h"

#include <string>

#include "lineage/prov.h"

namespace kfm::lineage {
namespace {

std::string Dcat(std::string_view local) { return std::string(kDcatNs) + std::string(local); }
std::string Dct(std::string_view local) { return std::string(kDctNs) + std::string(local); }
std::string K(std::string_view local) { return std::string(kKfmNs) + std::string(local); }

constexpr const char* kTelemetryRefs[] = {"kfm:energy_ref",       "kfm:carbon_ref",
                                          "kfm:otel_span_bundle", "kfm:energy_schema",
                                          "kfm:carbon_schema",    "kfm:prov_ref"};

}  // namespace

Graph BuildDcatGraph(const std::vector<nlohmann::json>& items) {
  Graph g(LineagePrefixes());
  for (const nlohmann::json& item : items) {
    const nlohmann::json& p = item.at("properties");
    const std::string name = p.at("kfm:dataset");
    const std::string version = p.at("kfm:version");
    const std::string dataset = DatasetIri(name, version);
    const std::string distribution = dataset + "/distribution/data";
    const nlohmann::json& data = item.at("assets").at("data");

    g.AddType(dataset, Dcat("Dataset"));
    g.Add(dataset, Dct("identifier"), Literal(item.at("id")));
    g.Add(dataset, Dct("title"), Literal(p.at("title")));
    g.Add(dataset, Dct("issued"), DateTimeLiteral(p.at("datetime")));
    g.Add(dataset, Dcat("version"), Literal(version));
    g.Add(dataset, K("run"), Iri(RunIri(p.at("kfm:run_id"))));
    g.Add(dataset, K("node"), Literal(p.at("kfm:node")));
    g.Add(dataset, Dcat("distribution"), Iri(distribution));

    g.AddType(distribution, Dcat("Distribution"));
    g.Add(distribution, Dct("title"), Literal(p.at("title").get<std::string>() + " (data)"));
    g.Add(distribution, Dcat("downloadURL"), Iri(data.at("href")));
    g.Add(distribution, Dcat("accessURL"), Iri(data.at("href")));
    g.Add(distribution, K("sha256"), Literal(data.at("kfm:sha256")));
    // The STAC item's telemetry references, on the dataset and on its distribution.
    for (const char* ref : kTelemetryRefs) {
      if (!p.contains(ref)) continue;
      const std::string predicate = K(std::string(ref).substr(4));
      g.Add(dataset, predicate, Literal(p.at(ref)));
      g.Add(distribution, predicate, Literal(p.at(ref)));
    }
  }
  return g;
}

}  // namespace kfm::lineage
