// The job's standard output table: observations.csv (RFC 4180, UTF-8, LF line ends, a header
// row) and the Frictionless Table Schema that describes it (observations.schema.json).
// Columns: site_id, parameter_code, time_utc, value, unit, approval, qualifiers. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "observation.h"

namespace kfm::jobs::usgs {

// The CSV text, rows in the given order.
std::string ObservationsCsv(const std::vector<Observation>& observations);

// The Table Schema of ObservationsCsv (Frictionless Data v2,
// https://datapackage.org/standard/table-schema/), as indented JSON.
std::string ObservationsTableSchema();

}  // namespace kfm::jobs::usgs
