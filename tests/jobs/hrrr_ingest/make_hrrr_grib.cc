// Test input generator: writes a small HRRR-like GRIB2 file and its .idx inventory in NCEP's
// format. It keeps HRRR's real Lambert conformal projection (template 3.30, LaD = Latin1 =
// Latin2 = 38.5, LoV = 262.5, first point 21.138123 N 237.280472 E, scanning mode 64, sphere
// of radius 6371229 m, grid-relative winds) and only coarsens the spacing: at --dx-km 30 every
// point is exactly every tenth point of the real 3 km grid, so the file geolocates like HRRR
// while holding 180 x 106 points instead of 1799 x 1059. Messages are simple-packed by ecCodes
// or complex-packed with second-order spatial differencing (template 5.3, as NCEP's g2 library
// packs) by complex_packing.cc; every complex-packed message is decoded back with ecCodes here.
//
// Usage: kfm_make_hrrr_grib OUT.grib2 [--dx-km 30] [--nx N --ny N] [--date YYYYMMDD]
//        [--hour HH] [--fcst FF] [--only NAME,NAME]
// Writes OUT.grib2 and OUT.grib2.idx; exit 0, or 2 with a message.
#include <eccodes.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "complex_packing.h"
#include "synthetic_fields.h"

namespace {

using kfm::testing::hrrr::FieldSpec;

struct Options {
  std::string out;
  double dx_km = 30;
  int nx = 0;
  int ny = 0;
  long date = 20261125;
  int hour = 0;
  int fcst = 6;
  std::vector<std::string> only;
};

bool Check(int err, const char* what) {
  if (err == 0) return true;
  std::cerr << "make_hrrr_grib: " << what << ": " << codes_get_error_message(err) << "\n";
  return false;
}

bool SetLong(codes_handle* h, const char* key, long value) {
  return Check(codes_set_long(h, key, value), key);
}
bool SetDouble(codes_handle* h, const char* key, double value) {
  return Check(codes_set_double(h, key, value), key);
}

// Decodes `message` with ecCodes and checks it holds `values` to 16-bit precision.
bool Verify(const std::string& message, const std::vector<double>& values,
            const std::string& name) {
  codes_handle* h = codes_handle_new_from_message(nullptr, message.data(), message.size());
  if (h == nullptr) {
    std::cerr << "make_hrrr_grib: ecCodes cannot read the complex-packed " << name << "\n";
    return false;
  }
  std::vector<double> decoded(values.size());
  size_t size = decoded.size();
  const bool read = Check(codes_get_double_array(h, "values", decoded.data(), &size), "values");
  codes_handle_delete(h);
  if (!read || size != values.size()) return false;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  double worst = 0;
  for (size_t k = 0; k < size; ++k) worst = std::max(worst, std::abs(decoded[k] - values[k]));
  if (worst > (*hi - *lo) / 65535.0 + 1e-9) {
    std::cerr << "make_hrrr_grib: complex-packed " << name << " decodes " << worst << " off\n";
    return false;
  }
  return true;
}

// One message of `spec` on the grid of `options`, appended to `out`.
bool Encode(const Options& o, const FieldSpec& spec, std::string* out) {
  codes_handle* h = codes_grib_handle_new_from_samples(nullptr, "GRIB2");
  if (h == nullptr) {
    std::cerr << "make_hrrr_grib: the GRIB2 sample is missing\n";
    return false;
  }
  namespace hrrr = kfm::testing::hrrr;
  bool ok =
      SetLong(h, "centre", 7) && SetLong(h, "subCentre", 0) && SetLong(h, "tablesVersion", 2) &&
      SetLong(h, "significanceOfReferenceTime", 1) && SetLong(h, "typeOfProcessedData", 1) &&
      SetLong(h, "dataDate", o.date) && SetLong(h, "dataTime", o.hour * 100) &&
      SetLong(h, "gridDefinitionTemplateNumber", 30) && SetLong(h, "shapeOfTheEarth", 6) &&
      SetLong(h, "Nx", o.nx) && SetLong(h, "Ny", o.ny) &&
      SetDouble(h, "latitudeOfFirstGridPointInDegrees", hrrr::kFirstLat) &&
      SetDouble(h, "longitudeOfFirstGridPointInDegrees", hrrr::kFirstLon) &&
      SetLong(h, "resolutionAndComponentFlags", 56) &&  // increments given, winds grid
      SetDouble(h, "LaDInDegrees", hrrr::kLatin) && SetDouble(h, "LoVInDegrees", hrrr::kLoV) &&
      SetDouble(h, "DxInMetres", o.dx_km * 1000) && SetDouble(h, "DyInMetres", o.dx_km * 1000) &&
      SetLong(h, "projectionCentreFlag", 0) && SetLong(h, "scanningMode", 64) &&
      SetDouble(h, "Latin1InDegrees", hrrr::kLatin) &&
      SetDouble(h, "Latin2InDegrees", hrrr::kLatin) &&
      SetDouble(h, "latitudeOfSouthernPoleInDegrees", -90) &&
      SetDouble(h, "longitudeOfSouthernPoleInDegrees", 0) && SetLong(h, "discipline", 0) &&
      SetLong(h, "parameterCategory", spec.category) &&
      SetLong(h, "parameterNumber", spec.number) && SetLong(h, "typeOfGeneratingProcess", 2) &&
      SetLong(h, "generatingProcessIdentifier", 83) &&
      SetLong(h, "indicatorOfUnitOfTimeRange", 1) && SetLong(h, "forecastTime", o.fcst) &&
      SetLong(h, "typeOfFirstFixedSurface", spec.surface_type);
  if (ok && spec.surface_type == 103) {
    ok = SetLong(h, "scaleFactorOfFirstFixedSurface", 0) &&
         SetLong(h, "scaledValueOfFirstFixedSurface", spec.surface_value);
  }
  std::vector<double> values(static_cast<size_t>(o.nx) * o.ny);
  if (ok) {
    for (int j = 0; j < o.ny; ++j)
      for (int i = 0; i < o.nx; ++i)
        values[static_cast<size_t>(j) * o.nx + i] = hrrr::Value(spec.name, i, j);
    ok = SetLong(h, "bitsPerValue", 16) &&
         Check(codes_set_double_array(h, "values", values.data(), values.size()), "values");
  }
  std::string message;
  if (ok) {
    const void* bytes = nullptr;
    size_t size = 0;
    ok = Check(codes_get_message(h, &bytes, &size), "message");
    if (ok) message.assign(static_cast<const char*>(bytes), size);
  }
  if (ok && spec.complex_packing) {
    // Template 5.3 written by complex_packing.cc, not ecCodes 2.28's encoder (see there).
    message = kfm::testing::hrrr::WithComplexPacking(message, values);
    ok = !message.empty() && Verify(message, values, spec.name);
  }
  if (ok) out->append(message);
  codes_handle_delete(h);
  return ok;
}

bool Parse(int argc, char** argv, Options* o) {
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    auto next = [&]() -> std::string { return k + 1 < argc ? argv[++k] : ""; };
    if (arg == "--dx-km") {
      o->dx_km = std::stod(next());
    } else if (arg == "--nx") {
      o->nx = std::stoi(next());
    } else if (arg == "--ny") {
      o->ny = std::stoi(next());
    } else if (arg == "--date") {
      o->date = std::stol(next());
    } else if (arg == "--hour") {
      o->hour = std::stoi(next());
    } else if (arg == "--fcst") {
      o->fcst = std::stoi(next());
    } else if (arg == "--only") {
      std::stringstream list(next());
      std::string name;
      while (std::getline(list, name, ',')) o->only.push_back(name);
    } else if (o->out.empty() && arg[0] != '-') {
      o->out = arg;
    } else {
      return false;
    }
  }
  namespace hrrr = kfm::testing::hrrr;
  // Whole steps of the coarse spacing that fit in the real grid's extent.
  const double ratio = o->dx_km / hrrr::kRealDxKm;
  if (o->nx == 0) o->nx = static_cast<int>((hrrr::kRealNx - 1) / ratio + 1e-9) + 1;
  if (o->ny == 0) o->ny = static_cast<int>((hrrr::kRealNy - 1) / ratio + 1e-9) + 1;
  return !o->out.empty() && o->nx > 1 && o->ny > 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    if (!Parse(argc, argv, &o)) {
      std::cerr << "usage: kfm_make_hrrr_grib OUT.grib2 [--dx-km 30] [--nx N --ny N] "
                   "[--date YYYYMMDD] [--hour HH] [--fcst FF] [--only NAME,NAME]\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "make_hrrr_grib: bad number: " << e.what() << "\n";
    return 2;
  }
  std::string grib;
  std::ostringstream idx;
  int number = 0;
  char date[16];
  std::snprintf(date, sizeof date, "%08ld%02d", o.date, o.hour);
  const std::string forecast = o.fcst == 0 ? "anl" : std::to_string(o.fcst) + " hour fcst";
  for (const auto& spec : kfm::testing::hrrr::Fields()) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), spec.name) == o.only.end())
      continue;
    const size_t offset = grib.size();
    if (!Encode(o, spec, &grib)) return 2;
    idx << ++number << ":" << offset << ":d=" << date << ":" << spec.name << ":" << spec.level
        << ":" << forecast << ":\n";
  }
  for (const auto& [path, bytes] :
       {std::pair<std::string, std::string>{o.out, grib}, {o.out + ".idx", idx.str()}}) {
    std::ofstream file(path, std::ios::binary);
    file << bytes;
    file.close();
    if (!file) {
      std::cerr << "kfm_make_hrrr_grib: cannot write " << path << "\n";
      return 1;
    }
  }
  std::cout << o.out << ": " << number << " messages, " << grib.size() << " bytes, " << o.nx
            << " x " << o.ny << " points\n";
  return 0;
}
