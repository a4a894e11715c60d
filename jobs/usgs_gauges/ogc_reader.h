// Reads one page of the USGS Water Data OGC API `continuous` collection
// (api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items, GeoJSON): a FeatureCollection
// whose features carry properties monitoring_location_id ("USGS-06892350"), parameter_code,
// time (RFC 3339 with offset), value (a decimal string; null when there is no reading),
// unit_of_measure ("ft^3/s"), approval_status ("Provisional" / "Approved") and qualifier
// (null, a code or a list of codes), with geometry null or a Point; and the page's
// links[rel=next]. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "kfm/status.h"
#include "observation.h"

namespace kfm::jobs::usgs {

struct OgcPage {
  InputBatch batch;                      // null values counted in batch.no_data
  std::optional<std::string> next_href;  // links[rel=next].href exactly as written
  size_t next_link = 0;                  // its index in links, for messages
};

// True when `doc` has the GeoJSON FeatureCollection shape (a "features" member).
bool LooksLikeOgcFeatures(const nlohmann::json& doc);

// The readings of one page; a refusal names `source`, line, column and field
// ("features[3].properties.time").
Result<OgcPage> ReadOgcPage(const nlohmann::json& doc, std::string_view text,
                            const std::string& source);

}  // namespace kfm::jobs::usgs
