// Test helper: generated HRRR-like inputs (runs kfm_make_hrrr_grib) and an independent
// spherical Lambert conformal projection (Snyder's formulas) to check where ecCodes and the job
// put each grid point. Tests only; thread-safe apart from the files written.
#pragma once

#include <string>
#include <vector>

#include "synthetic_fields.h"

namespace kfm::testing::hrrr {

struct GeneratedFile {
  std::string path;           // the .grib2; path + ".idx" beside it
  std::vector<long> offsets;  // byte offset of each message, from the .idx
  std::vector<std::string> names;
  long size = 0;
};

// Runs the generator into `dir`/`name` with `args`; fails the current test on error.
GeneratedFile Generate(const std::string& dir,
                       const std::string& name = "hrrr.t00z.wrfsfcf06.grib2",
                       const std::vector<std::string>& args = {});

// Latitude and longitude (degrees, -180..180) of grid point (i, j) of HRRR's projection with
// spacing `dx_km`, from HRRR's first point.
struct LatLon {
  double lat = 0, lon = 0;
};
LatLon GridPointLatLon(int i, int j, double dx_km);

}  // namespace kfm::testing::hrrr
