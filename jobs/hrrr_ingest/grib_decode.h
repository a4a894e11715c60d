// Decoding HRRR GRIB2 messages with ecCodes: a message's identity (named as in NCEP's .idx),
// its Lambert conformal grid (template 3.30), and its values with the latitude and longitude
// ecCodes computes for every point (codes_grib_get_data; the projection is ecCodes', not ours).
// Simple and complex packing, whatever ecCodes decodes. Functions are reentrant; ecCodes'
// default context is shared, so decode from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::jobs::hrrr {

// What a message is, in the words of the .idx ("TMP", "2 m above ground", "6 hour fcst");
// name or level is "" when the field catalog does not know the GRIB2 code.
struct MessageIdentity {
  std::string name;
  std::string level;
  std::string forecast;
  long discipline = 0, category = 0, number = 0;
  long surface_type = 0;
  double surface_value = 0;
  [[nodiscard]] std::string Describe() const;  // "TMP:2 m above ground" or "0/0/0 at 103=2"
};

// GRIB2 template 3.30 as ecCodes reports it (degrees, metres).
struct LambertGrid {
  long nx = 0, ny = 0;
  double first_lat = 0, first_lon = 0;
  double lad = 0, lov = 0, latin1 = 0, latin2 = 0;
  double dx = 0, dy = 0;
  long scanning_mode = 0;
  long shape_of_earth = 0;
  double earth_radius = 0;           // metres when the earth is a sphere, else 0
  bool winds_grid_relative = false;  // resolutionAndComponentFlags bit 5, as HRRR sets it
  bool operator==(const LambertGrid&) const = default;
};

struct GribField {
  MessageIdentity id;
  LambertGrid grid;
  std::string packing;      // ecCodes packingType: grid_simple, grid_complex_spatial_differencing
  std::string short_name;   // ecCodes shortName (2t, 10u)
  std::string grib_name;    // ecCodes name ("2 metre temperature")
  std::string units;        // ecCodes units
  long data_date = 0;       // YYYYMMDD of the reference time
  long data_time = 0;       // HHMM
  long forecast_hours = 0;  // end of the forecast step, hours
  // Per point, in the message's scanning order (HRRR's mode 64: row 0 is the southern row).
  std::vector<double> lats, lons, values;
  std::vector<bool> missing;  // true where the bitmap has no value
};

// One message of a whole file: where it is and what it is, values not decoded.
struct ScannedMessage {
  int64_t offset = 0;
  int64_t length = 0;
  MessageIdentity id;
};

// Decodes `bytes`, which must be exactly one GRIB2 message on a Lambert conformal grid.
// InvalidArgument naming `what` (file or URL and byte range) for anything else: not GRIB2,
// truncated, trailing bytes, another grid, or what ecCodes refuses (its message included).
Result<GribField> DecodeMessage(std::string_view bytes, const std::string& what);

// The messages of a whole GRIB2 file in order; InvalidArgument naming `what` and the byte
// offset when the bytes are not back-to-back GRIB2 messages.
Result<std::vector<ScannedMessage>> ScanMessages(std::string_view bytes, const std::string& what);

}  // namespace kfm::jobs::hrrr
