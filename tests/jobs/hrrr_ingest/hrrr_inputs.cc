#include "hrrr_inputs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <sstream>

#include "subprocess.h"

namespace kfm::testing::hrrr {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kRad = kPi / 180.0;

// Snyder, Map Projections - A Working Manual (1987), equations 15-1 to 15-5, sphere, tangent
// cone at kLatin.
struct Lambert {
  double n = std::sin(kLatin * kRad);
  double f = std::cos(kLatin * kRad) * std::pow(std::tan(kPi / 4 + kLatin * kRad / 2), n) / n;
  double rho0 = Rho(kLatin);
  [[nodiscard]] double Rho(double lat) const {
    return kEarthRadius * f / std::pow(std::tan(kPi / 4 + lat * kRad / 2), n);
  }
  void Forward(double lat, double lon, double* x, double* y) const {
    double dlon = lon - kLoV;
    while (dlon > 180) dlon -= 360;
    while (dlon < -180) dlon += 360;
    const double theta = n * dlon * kRad;
    *x = Rho(lat) * std::sin(theta);
    *y = rho0 - Rho(lat) * std::cos(theta);
  }
  [[nodiscard]] LatLon Inverse(double x, double y) const {
    const double rho = std::sqrt(x * x + (rho0 - y) * (rho0 - y));
    const double theta = std::atan2(x, rho0 - y);
    LatLon out;
    out.lat = (2 * std::atan(std::pow(kEarthRadius * f / rho, 1 / n)) - kPi / 2) / kRad;
    out.lon = kLoV + theta / n / kRad;
    while (out.lon > 180) out.lon -= 360;
    return out;
  }
};

}  // namespace

GeneratedFile Generate(const std::string& dir, const std::string& name,
                       const std::vector<std::string>& args) {
  GeneratedFile out;
  out.path = dir + "/" + name;
  std::vector<std::string> argv = {KFM_MAKE_HRRR_GRIB, out.path};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = RunCommand(argv);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::istringstream idx(ReadFile(out.path + ".idx"));
  std::string line;
  while (std::getline(idx, line)) {
    // number:offset:d=date:name:level:forecast:
    const size_t a = line.find(':');
    const size_t b = line.find(':', a + 1);
    const size_t c = line.find(':', b + 1);
    const size_t d = line.find(':', c + 1);
    out.offsets.push_back(std::stol(line.substr(a + 1, b - a - 1)));
    out.names.push_back(line.substr(c + 1, d - c - 1));
  }
  out.size = static_cast<long>(std::filesystem::file_size(out.path));
  return out;
}

LatLon GridPointLatLon(int i, int j, double dx_km) {
  static const Lambert lambert;
  double x0 = 0, y0 = 0;
  lambert.Forward(kFirstLat, kFirstLon, &x0, &y0);
  return lambert.Inverse(x0 + i * dx_km * 1000, y0 + j * dx_km * 1000);
}

}  // namespace kfm::testing::hrrr
