// Cutting a grid to a bounding box: window, mask and the points kept.
#include "kansas_subset.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kfm::jobs::hrrr {
namespace {

// A 6 x 5 grid sheared like a Lambert grid, so the box is not an index rectangle.
struct Grid {
  long nx = 6, ny = 5;
  std::vector<double> lats, lons;
  Grid() {
    for (long j = 0; j < ny; ++j) {
      for (long i = 0; i < nx; ++i) {
        lats.push_back(36.0 + 0.9 * j + 0.1 * i);
        lons.push_back(258.0 + 1.2 * i - 0.2 * j);  // 0..360 as ecCodes gives them
      }
    }
  }
};

TEST(KansasSubset, BoxFiguresAreTheStatesExtentRoundedOutward) {
  EXPECT_LE(kKansas.south, 36.993016);
  EXPECT_GE(kKansas.north, 40.003162);
  EXPECT_LE(kKansas.west, -102.051744);
  EXPECT_GE(kKansas.east, -94.588413);
  EXPECT_LT(36.993016 - kKansas.south, 0.01);
  EXPECT_LT(kKansas.east - -94.588413, 0.01);
  // Topeka, Wichita, Dodge City inside; Kansas City MO, Denver, Oklahoma City outside.
  EXPECT_TRUE(kKansas.Contains(39.05, -95.68));
  EXPECT_TRUE(kKansas.Contains(37.69, 360 - 97.34));
  EXPECT_TRUE(kKansas.Contains(37.75, -100.02));
  EXPECT_FALSE(kKansas.Contains(39.10, -94.57));
  EXPECT_FALSE(kKansas.Contains(39.74, -104.99));
  EXPECT_FALSE(kKansas.Contains(35.47, -97.52));
}

TEST(KansasSubset, WindowHoldsEveryInsidePointAndMasksTheRest) {
  const Grid g;
  const BoundingBox box{36.95, 39.1, -102.0, -97.5};
  auto window = WindowOf(g.lats, g.lons, g.nx, g.ny, box);
  ASSERT_TRUE(window.ok()) << window.status().message();
  int64_t inside = 0;
  for (size_t k = 0; k < g.lats.size(); ++k) inside += box.Contains(g.lats[k], g.lons[k]);
  EXPECT_EQ(window->points, inside);
  EXPECT_GT(inside, 0);
  // Every inside point of the whole grid lies in the window, flagged inside.
  for (long j = 0; j < g.ny; ++j) {
    for (long i = 0; i < g.nx; ++i) {
      const size_t k = static_cast<size_t>(j * g.nx + i);
      if (!box.Contains(g.lats[k], g.lons[k])) continue;
      ASSERT_GE(i, window->x0);
      ASSERT_LT(i, window->x0 + window->nx);
      ASSERT_GE(j, window->y0);
      ASSERT_LT(j, window->y0 + window->ny);
      EXPECT_TRUE(
          window->inside[static_cast<size_t>((j - window->y0) * window->nx + i - window->x0)]);
    }
  }
  std::vector<double> values(g.lats.size());
  for (size_t k = 0; k < values.size(); ++k) values[k] = static_cast<double>(k);
  const auto cut = Cut(*window, g.nx, values, true);
  const auto lat = Cut(*window, g.nx, g.lats, false);
  const auto lon = Cut(*window, g.nx, g.lons, false);
  int64_t kept = 0, dropped = 0;
  for (size_t p = 0; p < cut.size(); ++p) {
    const bool in = box.Contains(lat[p], lon[p]);
    EXPECT_EQ(!std::isnan(cut[p]), in) << p;
    kept += in;
    dropped += !in;
    EXPECT_FALSE(std::isnan(lat[p]));  // coordinates are kept for the whole window
  }
  EXPECT_EQ(kept, inside);
  EXPECT_GT(dropped, 0);  // the sheared grid leaves window points outside the box
}

TEST(KansasSubset, MissingValuesAreDroppedToo) {
  const Grid g;
  const BoundingBox box{30, 50, -110, -80};  // everything
  auto window = WindowOf(g.lats, g.lons, g.nx, g.ny, box);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->points, g.nx * g.ny);
  std::vector<bool> missing(g.lats.size(), false);
  missing[7] = true;
  const auto cut = Cut(*window, g.nx, g.lats, true, &missing);
  EXPECT_TRUE(std::isnan(cut[7]));
  EXPECT_FALSE(std::isnan(cut[8]));
}

TEST(KansasSubset, AGridThatMissesTheBoxIsAnError) {
  const Grid g;
  auto window = WindowOf(g.lats, g.lons, g.nx, g.ny, BoundingBox{60, 70, 0, 10});
  ASSERT_FALSE(window.ok());
  EXPECT_EQ(window.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(window.status().message().find("no grid point inside lat 60.00..70.00"),
            std::string::npos);
}

}  // namespace
}  // namespace kfm::jobs::hrrr
