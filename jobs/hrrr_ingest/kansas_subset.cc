#include "kansas_subset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kfm::jobs::hrrr {

double NormalizeLongitude(double lon) {
  lon = std::fmod(lon, 360.0);
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  return lon;
}

bool BoundingBox::Contains(double lat, double lon) const {
  lon = NormalizeLongitude(lon);
  return lat >= south && lat <= north && lon >= west && lon <= east;
}

std::string BoundingBox::Describe() const {
  char text[96];
  std::snprintf(text, sizeof text, "lat %.2f..%.2f, lon %.2f..%.2f", south, north, west, east);
  return text;
}

Result<GridWindow> WindowOf(const std::vector<double>& lats, const std::vector<double>& lons,
                            long grid_nx, long grid_ny, const BoundingBox& box) {
  long x_min = grid_nx, x_max = -1, y_min = grid_ny, y_max = -1;
  for (long y = 0; y < grid_ny; ++y) {
    for (long x = 0; x < grid_nx; ++x) {
      const size_t k = static_cast<size_t>(y) * grid_nx + x;
      if (!box.Contains(lats[k], lons[k])) continue;
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  }
  if (x_max < 0) {
    return Status::InvalidArgument("no grid point inside " + box.Describe() + " (grid of " +
                                   std::to_string(grid_nx) + " x " + std::to_string(grid_ny) +
                                   " points)");
  }
  GridWindow window;
  window.x0 = x_min;
  window.y0 = y_min;
  window.nx = x_max - x_min + 1;
  window.ny = y_max - y_min + 1;
  window.inside.resize(static_cast<size_t>(window.nx * window.ny));
  for (long y = 0; y < window.ny; ++y) {
    for (long x = 0; x < window.nx; ++x) {
      const size_t k = window.SourceIndex(x, y, grid_nx);
      const bool in = box.Contains(lats[k], lons[k]);
      window.inside[static_cast<size_t>(y * window.nx + x)] = in;
      window.points += in ? 1 : 0;
    }
  }
  return window;
}

std::vector<double> Cut(const GridWindow& window, long grid_nx, const std::vector<double>& values,
                        bool mask, const std::vector<bool>* missing) {
  std::vector<double> out(static_cast<size_t>(window.nx * window.ny));
  for (long y = 0; y < window.ny; ++y) {
    for (long x = 0; x < window.nx; ++x) {
      const size_t at = static_cast<size_t>(y * window.nx + x);
      const size_t k = window.SourceIndex(x, y, grid_nx);
      const bool drop = mask && (!window.inside[at] || (missing != nullptr && (*missing)[k]));
      out[at] = drop ? std::numeric_limits<double>::quiet_NaN() : values[k];
    }
  }
  return out;
}

}  // namespace kfm::jobs::hrrr
