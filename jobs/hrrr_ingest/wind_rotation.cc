#include "wind_rotation.h"

#include <cmath>
#include <numbers>

namespace kfm::jobs::hrrr {
namespace {

constexpr double kRadian = std::numbers::pi / 180.0;

}  // namespace

double ConeConstant(double latin1_deg, double latin2_deg) {
  const double p1 = latin1_deg * kRadian;
  const double p2 = latin2_deg * kRadian;
  if (std::abs(latin1_deg - latin2_deg) < 1e-9) return std::sin(p1);
  // Secant cone (Snyder, Map Projections - A Working Manual, eq. 15-3).
  return std::log(std::cos(p1) / std::cos(p2)) / std::log(std::tan(std::numbers::pi / 4 + p2 / 2) /
                                                          std::tan(std::numbers::pi / 4 + p1 / 2));
}

double GridRotation(double cone, double lov_deg, double lon_deg) {
  double delta = std::fmod(lon_deg - lov_deg, 360.0);
  if (delta > 180) delta -= 360;
  if (delta < -180) delta += 360;
  return cone * delta * kRadian;
}

void RotateToEarth(double cone, double lov_deg, const std::vector<double>& lons,
                   std::vector<double>* u, std::vector<double>* v) {
  for (size_t k = 0; k < lons.size(); ++k) {
    const double a = GridRotation(cone, lov_deg, lons[k]);
    const double c = std::cos(a);
    const double s = std::sin(a);
    const double ug = (*u)[k];
    const double vg = (*v)[k];
    (*u)[k] = c * ug + s * vg;
    (*v)[k] = -s * ug + c * vg;
  }
}

}  // namespace kfm::jobs::hrrr
