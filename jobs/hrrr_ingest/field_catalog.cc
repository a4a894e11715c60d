#include "field_catalog.h"

#include <array>
#include <cmath>
#include <cstdio>

namespace kfm::jobs::hrrr {
namespace {

struct Parameter {
  long discipline, category, number;
  const char* name;
  const char* standard_name;
  const char* units;
  const char* long_name;
};

// NCEP GRIB2 tables as wgrib2 names them (code table 4.2; 16/196 is NCEP's local REFC).
constexpr std::array<Parameter, 14> kParameters = {{
    {0, 0, 0, "TMP", "air_temperature", "K", "temperature"},
    {0, 0, 6, "DPT", "dew_point_temperature", "K", "dew point temperature"},
    {0, 1, 0, "SPFH", "specific_humidity", "kg kg-1", "specific humidity"},
    {0, 1, 1, "RH", "relative_humidity", "%", "relative humidity"},
    {0, 1, 8, "APCP", "precipitation_amount", "kg m-2", "total precipitation"},
    {0, 2, 2, "UGRD", "eastward_wind", "m s-1", "eastward wind"},
    {0, 2, 3, "VGRD", "northward_wind", "m s-1", "northward wind"},
    {0, 2, 22, "GUST", "wind_speed_of_gust", "m s-1", "wind speed of gust"},
    {0, 3, 0, "PRES", "air_pressure", "Pa", "pressure"},
    {0, 3, 1, "PRMSL", "air_pressure_at_mean_sea_level", "Pa", "pressure reduced to MSL"},
    {0, 3, 5, "HGT", "geopotential_height", "m", "geopotential height"},
    {0, 6, 1, "TCDC", "cloud_area_fraction", "%", "total cloud cover"},
    {0, 16, 196, "REFC", "", "dBZ", "composite reflectivity"},
    {0, 19, 0, "VIS", "visibility_in_air", "m", "visibility"},
}};

const Parameter* ByName(const std::string& name) {
  for (const auto& p : kParameters)
    if (name == p.name) return &p;
  return nullptr;
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// "2 m above ground" -> "2m", "500 mb" -> "500mb", "5000-2000 m above ground" -> "5000_2000m";
// CF names: letters, digits and underscores only.
std::string LevelSuffix(const std::string& level) {
  std::string text = level;
  const std::string above = " m above ground";
  if (text.size() > above.size() && text.ends_with(above)) {
    text = text.substr(0, text.size() - above.size()) + "m";
  } else if (text.size() > 3 && text.ends_with(" mb")) {
    text = text.substr(0, text.size() - 3) + "mb";
  }
  std::string out;
  for (char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      out.push_back(c);
    } else if (c == '.') {
      out.push_back('p');
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace

std::string ParameterName(long discipline, long category, long number) {
  for (const auto& p : kParameters)
    if (p.discipline == discipline && p.category == category && p.number == number) return p.name;
  return "";
}

std::string LevelText(long surface_type, double value) {
  switch (surface_type) {
    case 1:
      return "surface";
    case 2:
      return "cloud base";
    case 3:
      return "cloud top";
    case 4:
      return "0C isotherm";
    case 10:
      return "entire atmosphere";
    case 100:
      return Number(value / 100.0) + " mb";
    case 101:
      return "mean sea level";
    case 102:
      return Number(value) + " m above mean sea level";
    case 103:
      return Number(value) + " m above ground";
    case 200:
      return "entire atmosphere (considered as a single layer)";
    default:
      return "";
  }
}

bool IsWindComponent(const std::string& name) { return name == "UGRD" || name == "VGRD"; }

CfNames CfNamesFor(const std::string& name, const std::string& level, bool earth_relative,
                   const std::string& grib_units, const std::string& grib_long_name) {
  CfNames out;
  out.variable = name + "_" + LevelSuffix(level);
  const Parameter* p = ByName(name);
  if (p == nullptr) {
    out.units = grib_units;
    out.long_name = (grib_long_name.empty() ? name : grib_long_name) + " at " + level;
    return out;
  }
  out.standard_name = p->standard_name;
  out.units = p->units;
  out.long_name = std::string(p->long_name) + " at " + level;
  if (name == "PRES" && level == "surface") out.standard_name = "surface_air_pressure";
  if (IsWindComponent(name) && !earth_relative) {
    out.standard_name = name == "UGRD" ? "x_wind" : "y_wind";
    out.long_name = std::string(name == "UGRD" ? "grid-relative x" : "grid-relative y") +
                    " wind component at " + level;
  }
  return out;
}

}  // namespace kfm::jobs::hrrr
