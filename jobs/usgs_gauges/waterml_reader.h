// Reads USGS NWIS instantaneous values in WaterML-JSON (waterservices.usgs.gov
// /nwis/iv/?format=json&stateCd=ks&parameterCd=00060,00065): value.timeSeries[] each with
// sourceInfo (siteCode[0].value / agencyCode, siteName, geoLocation.geogLocation), variable
// (variableCode[0].value, unit.unitCode, noDataValue) and values[].value[] readings
// {value (a decimal string), qualifiers ["P"|"A", ...], dateTime with its UTC offset}.
// Readings equal to the series' noDataValue are dropped and counted. Pure functions;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kfm/status.h"
#include "observation.h"

namespace kfm::jobs::usgs {

// True when `doc` has the WaterML-JSON shape (an object "value" holding "timeSeries").
bool LooksLikeWaterMl(const nlohmann::json& doc);

// The readings and sites of `doc`, parsed from `text`; a refusal names `source`, the line and
// column and the field ("value.timeSeries[1].values[0].value[3].dateTime").
Result<InputBatch> ReadWaterMl(const nlohmann::json& doc, std::string_view text,
                               const std::string& source);

}  // namespace kfm::jobs::usgs
