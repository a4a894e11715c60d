#include "grib_decode.h"

#include <eccodes.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "field_catalog.h"

namespace kfm::jobs::hrrr {
namespace {

// ecCodes reports details through its logging hook; keep the last one for our message
// instead of letting it print "ECCODES ERROR" lines of its own.
thread_local std::string last_eccodes_message;

void CaptureLog(const codes_context* /*context*/, int level, const char* message) {
  if (level == GRIB_LOG_ERROR || level == GRIB_LOG_FATAL || level == GRIB_LOG_WARNING)
    last_eccodes_message = message != nullptr ? message : "";
}

void InstallLogging() {
  static std::once_flag once;
  std::call_once(once,
                 [] { codes_context_set_logging_proc(codes_context_get_default(), CaptureLog); });
}

std::string EccodesError(int err) {
  std::string text = codes_get_error_message(err);
  if (!last_eccodes_message.empty()) text += " (" + last_eccodes_message + ")";
  return text;
}

struct HandleDeleter {
  void operator()(codes_handle* h) const { codes_handle_delete(h); }
};
using Handle = std::unique_ptr<codes_handle, HandleDeleter>;

// Typed key access that records the first failure with its key.
class Keys {
 public:
  explicit Keys(codes_handle* h) : h_(h) {}
  long Long(const char* key) {
    long value = 0;
    Note(codes_get_long(h_, key, &value), key);
    return value;
  }
  double Double(const char* key) {
    double value = 0;
    Note(codes_get_double(h_, key, &value), key);
    return value;
  }
  std::string String(const char* key) {
    char text[256] = {};
    size_t length = sizeof text;
    Note(codes_get_string(h_, key, text, &length), key);
    return text;
  }
  bool Missing(const char* key) {
    int err = 0;
    const int missing = codes_is_missing(h_, key, &err);
    return err != 0 || missing != 0;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void Note(int err, const char* key) {
    if (err != 0 && error_.empty()) error_ = std::string("key ") + key + ": " + EccodesError(err);
  }
  codes_handle* h_;
  std::string error_;
};

uint64_t BigEndian(std::string_view bytes, size_t at, size_t count) {
  uint64_t value = 0;
  for (size_t k = 0; k < count; ++k)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + k]);
  return value;
}

// Length of the GRIB2 message starting at `at`, or what is wrong there (`where` names it).
Result<int64_t> FramedLength(std::string_view bytes, size_t at, const std::string& where_text) {
  const std::string where = where_text + ": ";
  if (bytes.size() - at < 16 || bytes.substr(at, 4) != "GRIB")
    return Status::InvalidArgument(where + "not a GRIB message (no 'GRIB' indicator)");
  const int edition = static_cast<unsigned char>(bytes[at + 7]);
  if (edition != 2)
    return Status::InvalidArgument(where + "GRIB edition " + std::to_string(edition) +
                                   ", expected 2");
  const uint64_t length = BigEndian(bytes, at + 8, 8);
  if (length < 16 + 4 || length > bytes.size() - at) {
    return Status::InvalidArgument(where + "message of " + std::to_string(length) +
                                   " bytes is truncated (" + std::to_string(bytes.size() - at) +
                                   " bytes there)");
  }
  if (bytes.substr(at + length - 4, 4) != "7777")
    return Status::InvalidArgument(where + "message does not end with '7777'");
  return static_cast<int64_t>(length);
}

std::string ForecastText(Keys& keys) {
  const std::string step_type = keys.String("stepType");
  const long start = keys.Long("startStep");
  const long end = keys.Long("endStep");
  if (step_type == "instant") return end == 0 ? "anl" : std::to_string(end) + " hour fcst";
  std::string kind = step_type == "accum" ? "acc" : step_type == "avg" ? "ave" : step_type;
  return std::to_string(start) + "-" + std::to_string(end) + " hour " + kind + " fcst";
}

MessageIdentity Identify(codes_handle* h, Keys& keys) {
  MessageIdentity id;
  id.discipline = keys.Long("discipline");
  id.category = keys.Long("parameterCategory");
  id.number = keys.Long("parameterNumber");
  id.surface_type = keys.Long("typeOfFirstFixedSurface");
  if (!keys.Missing("scaledValueOfFirstFixedSurface")) {
    const long scaled = keys.Long("scaledValueOfFirstFixedSurface");
    const long factor = keys.Missing("scaleFactorOfFirstFixedSurface")
                            ? 0
                            : keys.Long("scaleFactorOfFirstFixedSurface");
    double value = static_cast<double>(scaled);
    for (long k = 0; k < factor; ++k) value /= 10;
    for (long k = 0; k > factor; --k) value *= 10;
    id.surface_value = value;
  }
  id.name = ParameterName(id.discipline, id.category, id.number);
  id.level = LevelText(id.surface_type, id.surface_value);
  // Steps in hours, as the .idx writes them.
  codes_set_long(h, "stepUnits", 1);
  id.forecast = ForecastText(keys);
  return id;
}

Handle Open(std::string_view bytes) {
  InstallLogging();
  last_eccodes_message.clear();
  return Handle(
      codes_handle_new_from_message(codes_context_get_default(), bytes.data(), bytes.size()));
}

}  // namespace

std::string MessageIdentity::Describe() const {
  if (!name.empty() && !level.empty()) return name + ":" + level;
  return std::to_string(discipline) + "/" + std::to_string(category) + "/" +
         std::to_string(number) + " at surface type " + std::to_string(surface_type) + "=" +
         std::to_string(surface_value);
}

Result<GribField> DecodeMessage(std::string_view bytes, const std::string& what) {
  auto length = FramedLength(bytes, 0, what);  // `what` already holds the byte range
  if (!length.ok()) return length.status();
  if (*length != static_cast<int64_t>(bytes.size())) {
    return Status::InvalidArgument(what + ": " + std::to_string(bytes.size()) +
                                   " bytes hold a GRIB2 message of " + std::to_string(*length) +
                                   " bytes and more; not exactly one message (stale .idx?)");
  }
  Handle handle = Open(bytes);
  if (!handle) {
    return Status::InvalidArgument(
        what + ": ecCodes cannot read the message" +
        (last_eccodes_message.empty() ? "" : ": " + last_eccodes_message));
  }
  codes_handle* h = handle.get();
  Keys keys(h);
  GribField field;
  field.id = Identify(h, keys);
  const std::string grid_type = keys.String("gridType");
  if (keys.error().empty() && grid_type != "lambert") {
    return Status::InvalidArgument(what + ": grid '" + grid_type +
                                   "', expected Lambert conformal (template 3.30)");
  }
  LambertGrid& g = field.grid;
  g.nx = keys.Long("Nx");
  g.ny = keys.Long("Ny");
  g.first_lat = keys.Double("latitudeOfFirstGridPointInDegrees");
  g.first_lon = keys.Double("longitudeOfFirstGridPointInDegrees");
  g.lad = keys.Double("LaDInDegrees");
  g.lov = keys.Double("LoVInDegrees");
  g.latin1 = keys.Double("Latin1InDegrees");
  g.latin2 = keys.Double("Latin2InDegrees");
  g.dx = keys.Double("DxInMetres");
  g.dy = keys.Double("DyInMetres");
  g.scanning_mode = keys.Long("scanningMode");
  g.shape_of_earth = keys.Long("shapeOfTheEarth");
  g.winds_grid_relative = keys.Long("uvRelativeToGrid") != 0;
  field.packing = keys.String("packingType");
  field.short_name = keys.String("shortName");
  field.grib_name = keys.String("name");
  field.units = keys.String("units");
  field.data_date = keys.Long("dataDate");
  field.data_time = keys.Long("dataTime");
  field.forecast_hours = keys.Long("endStep");
  const long points = keys.Long("numberOfPoints");
  const bool bitmap = keys.Long("bitmapPresent") != 0;
  const double missing_value = keys.Double("missingValue");
  if (!keys.error().empty()) return Status::InvalidArgument(what + ": " + keys.error());
  {
    // Spherical earths (HRRR: shape 6, 6371229 m) have a radius; others do not.
    double radius = 0;
    if (codes_get_double(h, "radius", &radius) == 0) g.earth_radius = radius;
  }
  if (points != g.nx * g.ny || points <= 0) {
    return Status::InvalidArgument(what + ": " + std::to_string(points) + " points for a " +
                                   std::to_string(g.nx) + " x " + std::to_string(g.ny) + " grid");
  }
  const auto n = static_cast<size_t>(points);
  field.lats.resize(n);
  field.lons.resize(n);
  field.values.resize(n);
  last_eccodes_message.clear();
  if (const int err =
          codes_grib_get_data(h, field.lats.data(), field.lons.data(), field.values.data());
      err != 0) {
    return Status::InvalidArgument(what + ": cannot decode the values of " + field.id.Describe() +
                                   " (" + field.packing + "): " + EccodesError(err));
  }
  field.missing.assign(n, false);
  if (bitmap)
    for (size_t k = 0; k < n; ++k) field.missing[k] = field.values[k] == missing_value;
  return field;
}

Result<std::vector<ScannedMessage>> ScanMessages(std::string_view bytes, const std::string& what) {
  std::vector<ScannedMessage> messages;
  size_t at = 0;
  while (at < bytes.size()) {
    auto length = FramedLength(bytes, at, what + " at byte " + std::to_string(at));
    if (!length.ok()) return length.status();
    const std::string_view message = bytes.substr(at, static_cast<size_t>(*length));
    Handle handle = Open(message);
    if (!handle) {
      return Status::InvalidArgument(
          what + " at byte " + std::to_string(at) + ": ecCodes cannot read the message" +
          (last_eccodes_message.empty() ? "" : ": " + last_eccodes_message));
    }
    Keys keys(handle.get());
    ScannedMessage scanned{static_cast<int64_t>(at), *length, Identify(handle.get(), keys)};
    if (!keys.error().empty())
      return Status::InvalidArgument(what + " at byte " + std::to_string(at) + ": " + keys.error());
    messages.push_back(std::move(scanned));
    at += static_cast<size_t>(*length);
  }
  if (messages.empty()) return Status::InvalidArgument(what + ": empty, no GRIB2 messages");
  return messages;
}

}  // namespace kfm::jobs::hrrr
