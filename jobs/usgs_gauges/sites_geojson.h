// The job's sites file: sites.geojson, an RFC 7946 FeatureCollection with one Feature per
// monitoring location that has observations (id = site_id; geometry a Point [longitude,
// latitude] in WGS 84, or null where no input gave coordinates) and properties
// monitoring_location_id, name, parameter_codes, observations, first_time_utc, last_time_utc.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "observation.h"

namespace kfm::jobs::usgs {

std::string SitesGeoJson(const std::vector<Site>& sites,
                         const std::vector<Observation>& observations);

}  // namespace kfm::jobs::usgs
