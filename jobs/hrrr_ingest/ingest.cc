#include "ingest.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "cf_writer.h"
#include "field_catalog.h"
#include "grib_decode.h"
#include "idx_inventory.h"
#include "message_fetch.h"
#include "wind_rotation.h"

namespace kfm::jobs::hrrr {
namespace {

namespace fs = std::filesystem;

Result<std::vector<std::string>> Inputs(const std::string& input) {
  if (input.empty()) return Status::InvalidArgument("--input: empty");
  std::error_code error;
  if (IsUrl(input) || !fs::is_directory(input, error)) return std::vector<std::string>{input};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(input, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".grib2")
      files.push_back(entry.path().string());
  }
  if (error) return Status::IoError(input + ": cannot list: " + error.message());
  if (files.empty()) return Status::InvalidArgument(input + ": no *.grib2 files in the directory");
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<VariableSelector>> Selectors(const std::vector<std::string>& variables) {
  if (variables.empty()) return Status::InvalidArgument("--var: no variables to write");
  std::vector<VariableSelector> selectors;
  std::set<std::string> seen;
  for (const auto& text : variables) {
    auto selector = ParseSelector(text);
    if (!selector.ok()) return selector.status();
    if (!seen.insert(text).second)
      return Status::InvalidArgument("--var '" + text + "' is given twice");
    selectors.push_back(*selector);
  }
  return selectors;
}

int64_t UnixTime(long date, long time) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(date / 10000) - 1900;
  tm.tm_mon = static_cast<int>(date / 100 % 100) - 1;
  tm.tm_mday = static_cast<int>(date % 100);
  tm.tm_hour = static_cast<int>(time / 100);
  tm.tm_min = static_cast<int>(time % 100);
  return static_cast<int64_t>(timegm(&tm));
}

std::string IsoTime(int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Processing time for the history attribute; SOURCE_DATE_EPOCH (the reproducible-builds
// convention) pins it so that the same input gives byte-identical output.
int64_t ProcessingTime() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != 0) {
    char* end = nullptr;
    const long long value = std::strtoll(epoch, &end, 10);
    if (*end == 0 && value >= 0) return value;
  }
  return static_cast<int64_t>(std::time(nullptr));
}

std::string Version(const GribField& f) {
  char text[48];
  std::snprintf(text, sizeof text, "%08ldT%02ldz_f%02ld", f.data_date, f.data_time / 100,
                f.forecast_hours);
  return text;
}

std::string GridText(const LambertGrid& g) {
  char text[256];
  std::snprintf(text, sizeof text,
                "GRIB2 template 3.30 Lambert conformal, %ld x %ld points, Dx %.0f m, Dy %.0f m, "
                "first point %.6f N %.6f E, LaD %.4f, LoV %.4f, Latin1 %.4f, Latin2 %.4f, "
                "scanning mode %ld, shape of the earth %ld",
                g.nx, g.ny, g.dx, g.dy, g.first_lat, g.first_lon, g.lad, g.lov, g.latin1, g.latin2,
                g.scanning_mode, g.shape_of_earth);
  return text;
}

std::string DatasetName(const std::string& out_dir) {
  fs::path dir = fs::absolute(out_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "datasets/hrrr/"
  const std::string name = dir.filename().string();
  return name.empty() ? "hrrr" : name;
}

// Checks a decoded message against what picked it and against the first message.
Status Check(const FetchedMessage& m, GribField* f, const GribField* first) {
  const std::string wanted = m.selector.name + ":" + m.selector.level;
  if (!f->id.name.empty() && !f->id.level.empty()) {
    if (f->id.name != m.selector.name || f->id.level != m.selector.level) {
      return Status::InvalidArgument(m.what + ": the inventory says '" + m.idx_line +
                                     "' but the message holds " + f->id.Describe() +
                                     " (stale or foreign .idx?)");
    }
  } else {
    // A parameter the catalog does not know: the inventory's words are all there is.
    f->id.name = m.selector.name;
    f->id.level = m.selector.level;
  }
  if ((f->grid.scanning_mode & 0x30) != 0) {
    return Status::InvalidArgument(m.what + ": scanning mode " +
                                   std::to_string(f->grid.scanning_mode) +
                                   " (columns first or boustrophedon) is not supported");
  }
  if (first == nullptr) return Status::Ok();
  if (!(f->grid == first->grid))
    return Status::InvalidArgument(m.what + ": " + wanted + " is on another grid than " +
                                   first->id.Describe() + ": " + GridText(f->grid));
  if (f->data_date != first->data_date || f->data_time != first->data_time ||
      f->forecast_hours != first->forecast_hours) {
    return Status::InvalidArgument(m.what + ": " + wanted + " is for cycle " + Version(*f) + ", " +
                                   first->id.Describe() + " for " + Version(*first));
  }
  return Status::Ok();
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError(path + ": cannot write");
  return Status::Ok();
}

Result<std::string> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Status::IoError(path + ": cannot read back");
  return bytes.str();
}

Result<WrittenDataset> IngestOne(const std::string& source,
                                 const std::vector<VariableSelector>& selectors,
                                 const IngestOptions& options, std::set<std::string>* versions,
                                 std::ostream& log) {
  auto fetched = FetchMessages(source, selectors, options.fetch);
  if (!fetched.ok()) return fetched.status();
  const std::string shown = RedactedSource(source);
  log << "hrrr_ingest: " << shown << ": "
      << (fetched->idx_source.empty()
              ? "no .idx beside it; read the whole file"
              : std::to_string(fetched->messages.size()) + " messages by byte range from " +
                    RedactedSource(fetched->idx_source))
      << " (" << fetched->requests << " requests, " << fetched->bytes_fetched << " bytes)\n";

  std::vector<GribField> fields;
  for (const auto& m : fetched->messages) {
    auto field = DecodeMessage(m.bytes, m.what);
    if (!field.ok()) return field.status();
    if (Status s = Check(m, &*field, fields.empty() ? nullptr : &fields.front()); !s.ok()) return s;
    fields.push_back(std::move(*field));
  }
  const GribField& first = fields.front();
  const LambertGrid& grid = first.grid;
  auto window = WindowOf(first.lats, first.lons, grid.nx, grid.ny, options.box);
  if (!window.ok()) return Status::InvalidArgument(shown + ": " + window.status().message());

  CfDataset d;
  d.nx = window->nx;
  d.ny = window->ny;
  d.grid = grid;
  d.lat = Cut(*window, grid.nx, first.lats, false);
  d.lon = Cut(*window, grid.nx, first.lons, false);
  for (double& lon : d.lon) lon = NormalizeLongitude(lon);
  d.reference_time = UnixTime(first.data_date, first.data_time);
  d.forecast_hours = first.forecast_hours;

  std::vector<std::vector<double>> values;
  for (const auto& f : fields) values.push_back(Cut(*window, grid.nx, f.values, true, &f.missing));
  // HRRR's winds are along the grid's axes; rotate each UGRD/VGRD pair of a level to east/north.
  std::vector<bool> earth_relative(fields.size(), !grid.winds_grid_relative);
  const double cone = ConeConstant(grid.latin1, grid.latin2);
  for (size_t u = 0; u < fields.size() && grid.winds_grid_relative; ++u) {
    if (fields[u].id.name != "UGRD") continue;
    for (size_t v = 0; v < fields.size(); ++v) {
      if (fields[v].id.name != "VGRD" || fields[v].id.level != fields[u].id.level ||
          earth_relative[v])
        continue;
      RotateToEarth(cone, grid.lov, d.lon, &values[u], &values[v]);
      earth_relative[u] = earth_relative[v] = true;
      break;
    }
  }

  std::set<std::string> names;
  char rotation[200];
  std::snprintf(rotation, sizeof rotation,
                "rotated from the grid-relative GRIB2 components to earth-relative: angle = n * "
                "(lon - LoV), n = %.6f (cone constant), LoV = %.4f",
                cone, NormalizeLongitude(grid.lov));
  for (size_t k = 0; k < fields.size(); ++k) {
    const GribField& f = fields[k];
    CfField out;
    out.names = CfNamesFor(f.id.name, f.id.level, earth_relative[k], f.units, f.grib_name);
    if (!names.insert(out.names.variable).second) {
      return Status::InvalidArgument(shown + ": two --var give the NetCDF variable " +
                                     out.names.variable);
    }
    out.values = std::move(values[k]);
    const auto& m = fetched->messages[k];
    out.attributes = {
        {"grib_name", f.id.name + ":" + f.id.level},
        {"grib_forecast", f.id.forecast},
        {"grib_message", m.idx_line.empty()
                             ? "message at byte " + std::to_string(m.offset) + " (no .idx)"
                             : m.idx_line},
        {"grib_packing", f.packing},
        {"grib_eccodes_short_name", f.short_name},
        {"grib_message_sha256", Sha256Hex(m.bytes)},
    };
    if (IsWindComponent(f.id.name) && grid.winds_grid_relative && earth_relative[k])
      out.attributes.push_back({"comment", std::string(rotation)});
    d.fields.push_back(std::move(out));
  }

  double lat_min = 90, lat_max = -90, lon_min = 180, lon_max = -180;
  for (size_t p = 0; p < window->inside.size(); ++p) {
    if (!window->inside[p]) continue;
    lat_min = std::min(lat_min, d.lat[p]);
    lat_max = std::max(lat_max, d.lat[p]);
    lon_min = std::min(lon_min, d.lon[p]);
    lon_max = std::max(lon_max, d.lon[p]);
  }
  const std::string version = Version(first);
  if (!versions->insert(version).second) {
    return Status::InvalidArgument(shown + ": cycle " + version +
                                   " was already written from another input");
  }
  const int64_t points = window->points;
  d.global = {
      {"title", "HRRR surface fields over Kansas, cycle " + version},
      {"institution", "NOAA/NCEP (model); subset and normalized by kfm-hrrr-ingest"},
      {"source",
       "NOAA High-Resolution Rapid Refresh (HRRR) CONUS surface forecast, GRIB2, "
       "reference time " +
           IsoTime(d.reference_time) + ", forecast hour " + std::to_string(d.forecast_hours)},
      {"history",
       IsoTime(ProcessingTime()) + " kfm-hrrr-ingest " KFM_VERSION ": " +
           (options.command_line.empty() ? std::string("kfm-hrrr-ingest") : options.command_line)},
      {"references", "https://rapidrefresh.noaa.gov/hrrr/"},
      {"grib_input", shown},
      {"grib_idx", fetched->idx_source.empty() ? std::string("none (whole file read)")
                                               : RedactedSource(fetched->idx_source)},
      {"grib_grid", GridText(grid)},
      {"kfm_subset_bbox", options.box.Describe()},
      {"kfm_subset_bbox_source",
       "Kansas state boundary extent (US Census Bureau TIGER/Line: W -102.051744, S 36.993016, "
       "E -94.588413, N 40.003162) rounded outward to 0.01 degree"},
      {"kfm_points_in_bbox", points},
      {"kfm_source_first_x_index", static_cast<int64_t>(window->x0)},
      {"kfm_source_first_y_index", static_cast<int64_t>(window->y0)},
      {"geospatial_lat_min", lat_min},
      {"geospatial_lat_max", lat_max},
      {"geospatial_lon_min", lon_min},
      {"geospatial_lon_max", lon_max},
  };

  const fs::path dir = fs::path(options.out_dir) / version;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::IoError(dir.string() + ": cannot create: " + error.message());
  const fs::path path = dir / kOutputFile;
  const fs::path partial = dir / (std::string(".") + kOutputFile + ".partial");
  if (Status s = WriteCfNetcdf(d, partial.string()); !s.ok()) {
    fs::remove(partial, error);
    return s;
  }
  fs::rename(partial, path, error);
  if (error)
    return Status::IoError(path.string() + ": cannot rename into place: " + error.message());
  auto bytes = ReadBytes(path.string());
  if (!bytes.ok()) return bytes.status();

  WrittenDataset out;
  out.name = DatasetName(options.out_dir);
  out.version = version;
  out.path = path.string();
  out.uri = "file://" + fs::absolute(path).lexically_normal().string();
  out.sha256 = Sha256Hex(*bytes);
  out.bytes = static_cast<int64_t>(bytes->size());
  out.points = points;
  out.variables = static_cast<int64_t>(fields.size());
  out.bytes_fetched = fetched->bytes_fetched;
  out.requests = fetched->requests;
  if (Status s = WriteText(path.string() + ".sha256", out.sha256 + "  " + kOutputFile + "\n");
      !s.ok())
    return s;
  log << "hrrr_ingest: wrote " << out.path << ": " << window->nx << " x " << window->ny
      << " window, " << points << " points in " << options.box.Describe() << " x " << out.variables
      << " variables = " << out.records() << " records, " << out.bytes << " bytes, sha256 "
      << out.sha256 << "\n";
  return out;
}

}  // namespace

int64_t IngestReport::records() const {
  int64_t n = 0;
  for (const auto& d : datasets) n += d.records();
  return n;
}

int64_t IngestReport::bytes() const {
  int64_t n = 0;
  for (const auto& d : datasets) n += d.bytes;
  return n;
}

Result<IngestReport> RunIngest(const IngestOptions& options, std::ostream& log) {
  auto selectors = Selectors(options.variables);
  if (!selectors.ok()) return selectors.status();
  if (options.out_dir.empty()) return Status::InvalidArgument("--out: empty");
  auto inputs = Inputs(options.input);
  if (!inputs.ok()) return inputs.status();
  IngestReport report;
  std::set<std::string> versions;
  for (const auto& input : *inputs) {
    auto written = IngestOne(input, *selectors, options, &versions, log);
    if (!written.ok()) return written.status();
    report.datasets.push_back(std::move(*written));
  }
  return report;
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return 0;
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kPermissionDenied:
      return 2;
    default:
      return 1;
  }
}

}  // namespace kfm::jobs::hrrr
