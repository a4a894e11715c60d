// What HRRR's GRIB2 fields are called: the wgrib2 abbreviations and level texts NCEP's .idx
// inventories use (so a message read without an inventory can still be matched against
// --var), and the CF standard names and units written into the NetCDF output. A fixed table
// of the surface fields the job knows; thread-safe.
#pragma once

#include <string>

namespace kfm::jobs::hrrr {

// wgrib2 abbreviation of discipline/category/number (NCEP tables, e.g. 0/0/0 -> "TMP"), or ""
// when the table does not know it.
std::string ParameterName(long discipline, long category, long number);

// wgrib2 level text of a first fixed surface (code table 4.5 type, value in its SI unit), e.g.
// 103, 2 -> "2 m above ground"; 100, 50000 -> "500 mb"; "" when unknown.
std::string LevelText(long surface_type, double value);

struct CfNames {
  std::string variable;       // NetCDF variable name, e.g. TMP_2m
  std::string standard_name;  // CF standard name; "" when CF has none for the field
  std::string units;          // UDUNITS, as CF wants them (K, m s-1, %, Pa)
  std::string long_name;
};

// CF naming of field `name` at `level`. Wind components are eastward/northward only when
// `earth_relative`; grid-relative ones are CF's x_wind/y_wind. `grib_units`/`grib_long_name`
// (what ecCodes says) are used for fields outside the table.
CfNames CfNamesFor(const std::string& name, const std::string& level, bool earth_relative,
                   const std::string& grib_units, const std::string& grib_long_name);

// True for the pairs whose components are rotated together (UGRD/VGRD).
bool IsWindComponent(const std::string& name);

}  // namespace kfm::jobs::hrrr
