#include "sites_geojson.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace kfm::jobs::usgs {
namespace {

struct SiteSummary {
  std::set<std::string> parameter_codes;
  int64_t observations = 0;
  UtcTime first = UtcTime::max();
  UtcTime last = UtcTime::min();
};

}  // namespace

std::string SitesGeoJson(const std::vector<Site>& sites,
                         const std::vector<Observation>& observations) {
  using nlohmann::ordered_json;
  std::map<std::string, SiteSummary> summaries;
  for (const Observation& obs : observations) {
    SiteSummary& summary = summaries[obs.site_id];
    summary.parameter_codes.insert(obs.parameter_code);
    ++summary.observations;
    summary.first = std::min(summary.first, obs.time);
    summary.last = std::max(summary.last, obs.time);
  }
  ordered_json features = ordered_json::array();
  for (const Site& site : sites) {
    const auto it = summaries.find(site.id);
    if (it == summaries.end()) continue;
    const SiteSummary& summary = it->second;
    ordered_json geometry = nullptr;
    if (site.latitude && site.longitude)
      geometry = {{"type", "Point"}, {"coordinates", {*site.longitude, *site.latitude}}};
    ordered_json properties = {{"monitoring_location_id", site.id}};
    if (!site.name.empty()) properties["name"] = site.name;
    properties["parameter_codes"] = summary.parameter_codes;
    properties["observations"] = summary.observations;
    properties["first_time_utc"] = FormatUtcTime(summary.first);
    properties["last_time_utc"] = FormatUtcTime(summary.last);
    features.push_back(ordered_json{
        {"type", "Feature"}, {"id", site.id}, {"geometry", geometry}, {"properties", properties}});
  }
  const ordered_json collection = {{"type", "FeatureCollection"}, {"features", features}};
  return collection.dump(2) + "\n";
}

}  // namespace kfm::jobs::usgs
