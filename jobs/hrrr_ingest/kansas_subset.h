// Cutting a decoded grid down to a latitude/longitude box, Kansas by default. On HRRR's
// Lambert conformal grid the box is not a rectangle of grid indices: the subset is the smallest
// index window holding every point inside the box, and a mask drops the window's points that
// lie outside it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kfm/status.h"

namespace kfm::jobs::hrrr {

struct BoundingBox {
  double south = 0, north = 0, west = 0, east = 0;  // degrees, longitudes in -180..180
  // Inclusive on every edge; `lon` may be given in 0..360.
  [[nodiscard]] bool Contains(double lat, double lon) const;
  [[nodiscard]] std::string Describe() const;  // "lat 36.99..40.01, lon -102.06..-94.58"
};

// Kansas: the state's boundary extent in the US Census Bureau's TIGER/Line and cartographic
// boundary files (W -102.051744, S 36.993016, E -94.588413, N 40.003162), rounded outward to
// 0.01 degree so that no point of the state falls outside.
inline constexpr BoundingBox kKansas{36.99, 40.01, -102.06, -94.58};

// Longitude in -180..180.
double NormalizeLongitude(double lon);

struct GridWindow {
  long x0 = 0, y0 = 0;  // first column and row of the window in the source grid (0-based)
  long nx = 0, ny = 0;
  std::vector<bool> inside;  // nx * ny, row by row: is the point inside the box
  int64_t points = 0;        // how many are

  [[nodiscard]] size_t SourceIndex(long x, long y, long grid_nx) const {
    return static_cast<size_t>(y0 + y) * static_cast<size_t>(grid_nx) + static_cast<size_t>(x0 + x);
  }
};

// The window of a grid of grid_nx x grid_ny points (row by row, `lats`/`lons` per point) that
// holds every point inside `box`. InvalidArgument when no point is inside.
Result<GridWindow> WindowOf(const std::vector<double>& lats, const std::vector<double>& lons,
                            long grid_nx, long grid_ny, const BoundingBox& box);

// `values` (one per source point) cut to the window; with `mask`, points outside the box (and
// those in `missing`, when given) become NaN.
std::vector<double> Cut(const GridWindow& window, long grid_nx, const std::vector<double>& values,
                        bool mask, const std::vector<bool>* missing = nullptr);

}  // namespace kfm::jobs::hrrr
