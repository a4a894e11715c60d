// The synthetic HRRR-like fields the test generator writes, as closed-form functions of the
// grid indices (i west to east, j south to north), so that the tests can compute every
// expected value on their own without reading it back through the decoder under test.
// Header-only, pure functions; thread-safe.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace kfm::testing::hrrr {

// The real HRRR CONUS grid (NCEP's wrfsfc files, GRIB2 template 3.30).
inline constexpr int kRealNx = 1799;
inline constexpr int kRealNy = 1059;
inline constexpr double kRealDxKm = 3.0;
inline constexpr double kLatin = 38.5;  // LaD = Latin1 = Latin2
inline constexpr double kLoV = 262.5;   // degrees east
inline constexpr double kFirstLat = 21.138123;
inline constexpr double kFirstLon = 237.280472;
inline constexpr double kEarthRadius = 6371229.0;  // shapeOfTheEarth = 6

struct FieldSpec {
  std::string name;   // wgrib2 abbreviation as in the .idx
  std::string level;  // wgrib2 level text as in the .idx
  int category = 0;   // GRIB2 discipline 0 (meteorological) parameter category and number
  int number = 0;
  int surface_type = 1;  // code table 4.5
  int surface_value = 0;
  bool complex_packing = false;  // grid_complex_spatial_differencing, else grid_simple
};

// The messages of a generated file, in order. REFC first and PRES last, as around the wanted
// fields in a real wrfsfc file, so a wanted message neither starts at byte 0 nor is the last.
inline const std::vector<FieldSpec>& Fields() {
  static const std::vector<FieldSpec> kFields = {
      {"REFC", "entire atmosphere", 16, 196, 10, 0, false},
      {"TMP", "2 m above ground", 0, 0, 103, 2, true},
      {"RH", "2 m above ground", 1, 1, 103, 2, false},
      {"UGRD", "10 m above ground", 2, 2, 103, 10, false},
      {"VGRD", "10 m above ground", 2, 3, 103, 10, true},
      {"PRES", "surface", 3, 0, 1, 0, true},
  };
  return kFields;
}

// Value of field `name` at grid index (i, j). UGRD/VGRD are grid-relative, as HRRR's are.
inline double Value(const std::string& name, int i, int j) {
  if (name == "REFC") return -10.0 + 0.5 * ((i + 2 * j) % 120);
  if (name == "TMP") return 250.0 + 0.25 * i + 0.125 * j + 2.0 * std::sin(i / 7.0);
  if (name == "RH") return 10.0 + ((7 * i + 3 * j) % 90);
  if (name == "UGRD") return 5.0 + 0.05 * i - 0.03 * j;
  if (name == "VGRD") return -3.0 + 0.02 * i + 0.04 * j;
  if (name == "PRES") return 101325.0 - 50.0 * j + 3.0 * i;
  return 0.0;
}

}  // namespace kfm::testing::hrrr
