#include "cf_writer.h"

#include <netcdf.h>

#include <cmath>
#include <vector>

#include "kansas_subset.h"

namespace kfm::jobs::hrrr {
namespace {

constexpr char kGridMapping[] = "lambert_conformal";
constexpr char kCoordinates[] = "lat lon time forecast_reference_time forecast_period";

// Collects the first netCDF failure with what was being done.
class Nc {
 public:
  explicit Nc(std::string path) : path_(std::move(path)) {}
  bool Ok(int status, const std::string& what) {
    if (status != NC_NOERR && error_.empty())
      error_ = path_ + ": " + what + ": " + nc_strerror(status);
    return status == NC_NOERR && error_.empty();
  }
  [[nodiscard]] bool failed() const { return !error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

void PutText(Nc& nc, int ncid, int var, const std::string& name, const std::string& value) {
  nc.Ok(nc_put_att_text(ncid, var, name.c_str(), value.size(), value.c_str()), "attribute " + name);
}

void PutDouble(Nc& nc, int ncid, int var, const std::string& name, std::vector<double> values) {
  nc.Ok(nc_put_att_double(ncid, var, name.c_str(), NC_DOUBLE, values.size(), values.data()),
        "attribute " + name);
}

void Put(Nc& nc, int ncid, int var, const Attribute& attribute) {
  const auto& [name, value] = attribute;
  if (const auto* text = std::get_if<std::string>(&value)) {
    PutText(nc, ncid, var, name, *text);
  } else if (const auto* number = std::get_if<double>(&value)) {
    PutDouble(nc, ncid, var, name, {*number});
  } else {
    const long long integer = std::get<int64_t>(value);
    nc.Ok(nc_put_att_longlong(ncid, var, name.c_str(), NC_INT, 1, &integer), "attribute " + name);
  }
}

int DefineScalarTime(Nc& nc, int ncid, const char* name, const char* standard_name,
                     const char* units) {
  int var = -1;
  nc.Ok(nc_def_var(ncid, name, NC_DOUBLE, 0, nullptr, &var), std::string("variable ") + name);
  PutText(nc, ncid, var, "standard_name", standard_name);
  PutText(nc, ncid, var, "units", units);
  if (std::string(standard_name) != "forecast_period")
    PutText(nc, ncid, var, "calendar", "standard");
  return var;
}

}  // namespace

Status WriteCfNetcdf(const CfDataset& d, const std::string& path) {
  Nc nc(path);
  int ncid = -1;
  if (!nc.Ok(nc_create(path.c_str(), NC_CLOBBER | NC_64BIT_OFFSET, &ncid), "create"))
    return Status::IoError(nc.error());
  int old_fill = 0;
  nc.Ok(nc_set_fill(ncid, NC_NOFILL, &old_fill), "set_fill");  // every value is written
  int dim_y = -1, dim_x = -1;
  nc.Ok(nc_def_dim(ncid, "y", static_cast<size_t>(d.ny), &dim_y), "dimension y");
  nc.Ok(nc_def_dim(ncid, "x", static_cast<size_t>(d.nx), &dim_x), "dimension x");
  const int dims[2] = {dim_y, dim_x};

  PutText(nc, ncid, NC_GLOBAL, "Conventions", "CF-1.8");
  for (const auto& attribute : d.global) Put(nc, ncid, NC_GLOBAL, attribute);

  int lat = -1, lon = -1;
  nc.Ok(nc_def_var(ncid, "lat", NC_DOUBLE, 2, dims, &lat), "variable lat");
  PutText(nc, ncid, lat, "standard_name", "latitude");
  PutText(nc, ncid, lat, "long_name", "latitude");
  PutText(nc, ncid, lat, "units", "degrees_north");
  nc.Ok(nc_def_var(ncid, "lon", NC_DOUBLE, 2, dims, &lon), "variable lon");
  PutText(nc, ncid, lon, "standard_name", "longitude");
  PutText(nc, ncid, lon, "long_name", "longitude");
  PutText(nc, ncid, lon, "units", "degrees_east");

  int mapping = -1;
  nc.Ok(nc_def_var(ncid, kGridMapping, NC_INT, 0, nullptr, &mapping), "grid mapping");
  PutText(nc, ncid, mapping, "grid_mapping_name", "lambert_conformal_conic");
  PutDouble(nc, ncid, mapping, "standard_parallel", {d.grid.latin1, d.grid.latin2});
  PutDouble(nc, ncid, mapping, "longitude_of_central_meridian", {NormalizeLongitude(d.grid.lov)});
  PutDouble(nc, ncid, mapping, "latitude_of_projection_origin", {d.grid.lad});
  if (d.grid.earth_radius > 0) PutDouble(nc, ncid, mapping, "earth_radius", {d.grid.earth_radius});

  const int time = DefineScalarTime(nc, ncid, "time", "time", "seconds since 1970-01-01 00:00:00");
  const int reference =
      DefineScalarTime(nc, ncid, "forecast_reference_time", "forecast_reference_time",
                       "seconds since 1970-01-01 00:00:00");
  const int period = DefineScalarTime(nc, ncid, "forecast_period", "forecast_period", "hours");

  std::vector<int> vars;
  const float fill = NC_FILL_FLOAT;
  for (const auto& field : d.fields) {
    int var = -1;
    nc.Ok(nc_def_var(ncid, field.names.variable.c_str(), NC_FLOAT, 2, dims, &var),
          "variable " + field.names.variable);
    nc.Ok(nc_put_att_float(ncid, var, "_FillValue", NC_FLOAT, 1, &fill), "_FillValue");
    if (!field.names.standard_name.empty())
      PutText(nc, ncid, var, "standard_name", field.names.standard_name);
    PutText(nc, ncid, var, "long_name", field.names.long_name);
    PutText(nc, ncid, var, "units", field.names.units);
    PutText(nc, ncid, var, "coordinates", kCoordinates);
    PutText(nc, ncid, var, "grid_mapping", kGridMapping);
    for (const auto& attribute : field.attributes) Put(nc, ncid, var, attribute);
    vars.push_back(var);
  }
  nc.Ok(nc_enddef(ncid), "enddef");

  if (!nc.failed()) {
    nc.Ok(nc_put_var_double(ncid, lat, d.lat.data()), "write lat");
    nc.Ok(nc_put_var_double(ncid, lon, d.lon.data()), "write lon");
    const int zero = 0;
    nc.Ok(nc_put_var_int(ncid, mapping, &zero), "write grid mapping");
    const double valid = static_cast<double>(d.reference_time + d.forecast_hours * 3600);
    const double issued = static_cast<double>(d.reference_time);
    const double hours = static_cast<double>(d.forecast_hours);
    nc.Ok(nc_put_var_double(ncid, time, &valid), "write time");
    nc.Ok(nc_put_var_double(ncid, reference, &issued), "write forecast_reference_time");
    nc.Ok(nc_put_var_double(ncid, period, &hours), "write forecast_period");
    std::vector<float> buffer;
    for (size_t k = 0; k < d.fields.size() && !nc.failed(); ++k) {
      const auto& values = d.fields[k].values;
      buffer.resize(values.size());
      for (size_t p = 0; p < values.size(); ++p)
        buffer[p] = std::isnan(values[p]) ? fill : static_cast<float>(values[p]);
      nc.Ok(nc_put_var_float(ncid, vars[k], buffer.data()), "write " + d.fields[k].names.variable);
    }
  }
  nc.Ok(nc_close(ncid), "close");
  if (nc.failed()) return Status::IoError(nc.error());
  return Status::Ok();
}

}  // namespace kfm::jobs::hrrr
