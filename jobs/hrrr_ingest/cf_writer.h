// Writing the normalized dataset: a NetCDF file following the CF conventions (1.8) through
// Debian's libnetcdf, in the 64-bit-offset classic format every NetCDF reader opens and whose
// bytes depend only on the content (so its sha256 identifies it). Dimensions y and x, 2-D
// lat/lon, the Lambert conformal grid mapping, scalar time coordinates and one float variable
// per field. Reentrant; one writer per file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "field_catalog.h"
#include "grib_decode.h"
#include "kfm/status.h"

namespace kfm::jobs::hrrr {

using Attribute = std::pair<std::string, std::variant<std::string, double, int64_t>>;

struct CfField {
  CfNames names;
  std::vector<double> values;         // ny * nx, row by row; NaN where there is no value
  std::vector<Attribute> attributes;  // provenance (grib_message, grib_packing, ...)
};

struct CfDataset {
  long nx = 0, ny = 0;
  std::vector<double> lat, lon;  // ny * nx, degrees north / east (-180..180)
  LambertGrid grid;              // for the grid_mapping variable
  int64_t reference_time = 0;    // forecast reference time, seconds since 1970-01-01 UTC
  int64_t forecast_hours = 0;
  std::vector<CfField> fields;
  std::vector<Attribute> global;  // written after Conventions, in this order
};

// Writes `dataset` to `path` (replaced if there). IoError naming the path and netCDF's reason.
Status WriteCfNetcdf(const CfDataset& dataset, const std::string& path);

}  // namespace kfm::jobs::hrrr
