// Turning HRRR's grid-relative wind components into earth-relative ones. On a Lambert
// conformal grid the grid's y axis points to true north only on the central meridian LoV;
// elsewhere it is turned by n * (lon - LoV), n the cone constant (sin 38.5 deg = 0.6225 for
// HRRR). This is the rotation NCEP's wgrib2 (-new_grid_winds earth) and NCL apply. Pure
// functions; thread-safe.
#pragma once

#include <vector>

namespace kfm::jobs::hrrr {

// Cone constant of a Lambert conformal projection with standard parallels `latin1_deg` and
// `latin2_deg` (sin of the latitude for a tangent cone).
double ConeConstant(double latin1_deg, double latin2_deg);

// Angle in radians from true north to the grid's y axis at `lon_deg`, counted clockwise.
double GridRotation(double cone, double lov_deg, double lon_deg);

// Rotates grid-relative (u, v) at longitudes `lons` to earth-relative in place:
// u_earth = cos(a) u + sin(a) v, v_earth = -sin(a) u + cos(a) v. NaN components stay NaN.
// All three vectors have one entry per point.
void RotateToEarth(double cone, double lov_deg, const std::vector<double>& lons,
                   std::vector<double>* u, std::vector<double>* v);

}  // namespace kfm::jobs::hrrr
