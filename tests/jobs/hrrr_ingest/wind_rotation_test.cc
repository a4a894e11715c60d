// Grid-relative to earth-relative winds on HRRR's Lambert conformal grid.
#include "wind_rotation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace kfm::jobs::hrrr {
namespace {

TEST(WindRotation, HrrrConeConstantIsSinOfItsStandardParallel) {
  // The HRRR FAQ's rotcon_p = 0.622515 for Latin1 = Latin2 = 38.5.
  EXPECT_NEAR(ConeConstant(38.5, 38.5), 0.622515, 1e-6);
  // A secant cone lies between the sines of its two parallels.
  const double secant = ConeConstant(33, 45);
  EXPECT_GT(secant, std::sin(33 * std::numbers::pi / 180));
  EXPECT_LT(secant, std::sin(45 * std::numbers::pi / 180));
  EXPECT_NEAR(secant, 0.6304777, 1e-6);  // Snyder's numerical example for the sphere
}

TEST(WindRotation, NoTurnOnTheCentralMeridian) {
  const double n = ConeConstant(38.5, 38.5);
  std::vector<double> lon = {-97.5, 262.5};
  std::vector<double> u = {3, 3}, v = {4, 4};
  RotateToEarth(n, 262.5, lon, &u, &v);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(u[k], 3, 1e-12);
    EXPECT_NEAR(v[k], 4, 1e-12);
  }
}

TEST(WindRotation, EastOfLoVTheGridNorthLeansEast) {
  // At 77.5 W (20 degrees east of LoV) the grid's y axis is turned n*20 = 12.45 degrees
  // clockwise from north: a wind along grid +y has an eastward component.
  const double n = ConeConstant(38.5, 38.5);
  std::vector<double> lon = {-77.5};
  std::vector<double> u = {0}, v = {10};
  RotateToEarth(n, 262.5, lon, &u, &v);
  const double a = n * 20 * std::numbers::pi / 180;
  EXPECT_NEAR(u[0], 10 * std::sin(a), 1e-9);
  EXPECT_NEAR(v[0], 10 * std::cos(a), 1e-9);
  EXPECT_GT(u[0], 2.1);
  // West of LoV it leans the other way, and speeds are kept.
  lon = {-117.5};
  u = {6};
  v = {-8};
  RotateToEarth(n, 262.5, lon, &u, &v);
  EXPECT_NEAR(std::hypot(u[0], v[0]), 10, 1e-9);
  EXPECT_NEAR(GridRotation(n, 262.5, -117.5), -a, 1e-12);
}

TEST(WindRotation, MissingComponentsStayMissing) {
  std::vector<double> lon = {-90};
  std::vector<double> u = {std::nan("")}, v = {1};
  RotateToEarth(0.6, 262.5, lon, &u, &v);
  EXPECT_TRUE(std::isnan(u[0]));
  EXPECT_TRUE(std::isnan(v[0]));
}

}  // namespace
}  // namespace kfm::jobs::hrrr
