// wgrib2 names of GRIB2 codes and the CF names written for them.
#include "field_catalog.h"

#include <gtest/gtest.h>

namespace kfm::jobs::hrrr {
namespace {

TEST(FieldCatalog, NamesTheDefaultFieldsAsTheIdxDoes) {
  EXPECT_EQ(ParameterName(0, 0, 0), "TMP");
  EXPECT_EQ(ParameterName(0, 2, 2), "UGRD");
  EXPECT_EQ(ParameterName(0, 2, 3), "VGRD");
  EXPECT_EQ(ParameterName(0, 1, 1), "RH");
  EXPECT_EQ(ParameterName(0, 16, 196), "REFC");
  EXPECT_EQ(ParameterName(0, 99, 99), "");
  EXPECT_EQ(LevelText(103, 2), "2 m above ground");
  EXPECT_EQ(LevelText(103, 10), "10 m above ground");
  EXPECT_EQ(LevelText(100, 50000), "500 mb");
  EXPECT_EQ(LevelText(1, 0), "surface");
  EXPECT_EQ(LevelText(10, 0), "entire atmosphere");
  EXPECT_EQ(LevelText(250, 0), "");
}

TEST(FieldCatalog, CfStandardNamesAndUnits) {
  const CfNames t = CfNamesFor("TMP", "2 m above ground", true, "K", "2 metre temperature");
  EXPECT_EQ(t.variable, "TMP_2m");
  EXPECT_EQ(t.standard_name, "air_temperature");
  EXPECT_EQ(t.units, "K");
  const CfNames u = CfNamesFor("UGRD", "10 m above ground", true, "m s**-1", "");
  EXPECT_EQ(u.variable, "UGRD_10m");
  EXPECT_EQ(u.standard_name, "eastward_wind");
  EXPECT_EQ(u.units, "m s-1");
  EXPECT_EQ(CfNamesFor("VGRD", "10 m above ground", true, "", "").standard_name, "northward_wind");
  EXPECT_EQ(CfNamesFor("RH", "2 m above ground", true, "%", "").standard_name, "relative_humidity");
  EXPECT_EQ(CfNamesFor("PRES", "surface", true, "Pa", "").standard_name, "surface_air_pressure");
  EXPECT_EQ(CfNamesFor("TMP", "500 mb", true, "K", "").variable, "TMP_500mb");
}

TEST(FieldCatalog, GridRelativeWindsAreXAndYWind) {
  EXPECT_EQ(CfNamesFor("UGRD", "10 m above ground", false, "", "").standard_name, "x_wind");
  EXPECT_EQ(CfNamesFor("VGRD", "10 m above ground", false, "", "").standard_name, "y_wind");
}

TEST(FieldCatalog, UnknownFieldsKeepEccodesUnitsAndAName) {
  const CfNames n = CfNamesFor("MXUPHL", "5000-2000 m above ground", true, "m**2 s**-2",
                               "Hourly maximum of updraft helicity");
  EXPECT_EQ(n.variable, "MXUPHL_5000_2000m");
  EXPECT_EQ(CfNamesFor("HGT", "cloud top", true, "", "").variable, "HGT_cloud_top");
  EXPECT_EQ(n.standard_name, "");
  EXPECT_EQ(n.units, "m**2 s**-2");
  EXPECT_EQ(n.long_name, "Hourly maximum of updraft helicity at 5000-2000 m above ground");
}

}  // namespace
}  // namespace kfm::jobs::hrrr
