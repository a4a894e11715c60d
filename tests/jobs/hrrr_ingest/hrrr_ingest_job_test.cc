// The job end to end: kfm-hrrr-ingest on generated HRRR-like files, from a path and over HTTP
// from tests/support/http_file_server.mjs on loopback; the NetCDF read back with the netCDF C
// API and checked against values and positions computed here; the counts it reports; its
// errors and exit codes.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <numbers>
#include <sstream>

#include "file_server.h"
#include "hrrr_inputs.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
namespace gen = kfm::testing::hrrr;

constexpr char kFile[] = "hrrr.t00z.wrfsfcf06.grib2";
constexpr char kVersion[] = "20261125T00z_f06";
// The box, written out here rather than taken from the job.
constexpr double kSouth = 36.99, kNorth = 40.01, kWest = -102.06, kEast = -94.58;

bool InKansas(double lat, double lon) {
  return lat >= kSouth && lat <= kNorth && lon >= kWest && lon <= kEast;
}

// A NetCDF file read with the netCDF C API.
class NcFile {
 public:
  explicit NcFile(const std::string& path) {
    ok_ = nc_open(path.c_str(), NC_NOWRITE, &id_) == NC_NOERR;
  }
  ~NcFile() {
    if (ok_) nc_close(id_);
  }
  NcFile(const NcFile&) = delete;
  NcFile& operator=(const NcFile&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  size_t Dim(const char* name) const {
    int dim = -1;
    size_t length = 0;
    if (nc_inq_dimid(id_, name, &dim) != NC_NOERR) return 0;
    nc_inq_dimlen(id_, dim, &length);
    return length;
  }
  int Var(const std::string& name) const {
    int var = -2;
    return nc_inq_varid(id_, name.c_str(), &var) == NC_NOERR ? var : -2;
  }
  std::string Text(const std::string& var, const char* attribute) const {
    const int v = var.empty() ? NC_GLOBAL : Var(var);
    size_t length = 0;
    if (v == -2 || nc_inq_attlen(id_, v, attribute, &length) != NC_NOERR) return "<none>";
    std::string text(length, '\0');
    nc_get_att_text(id_, v, attribute, text.data());
    return text;
  }
  std::vector<double> Numbers(const std::string& var, const char* attribute) const {
    const int v = var.empty() ? NC_GLOBAL : Var(var);
    size_t length = 0;
    if (v == -2 || nc_inq_attlen(id_, v, attribute, &length) != NC_NOERR) return {};
    std::vector<double> values(length);
    nc_get_att_double(id_, v, attribute, values.data());
    return values;
  }
  std::vector<double> Values(const std::string& var) const {
    const int v = Var(var);
    std::vector<double> values(Dim("y") * Dim("x"));
    if (v == -2 || nc_get_var_double(id_, v, values.data()) != NC_NOERR) return {};
    return values;
  }
  double Scalar(const std::string& var) const {
    double value = NAN;
    nc_get_var_double(id_, Var(var), &value);
    return value;
  }

 private:
  int id_ = -1;
  bool ok_ = false;
};

struct NodeReport {
  int64_t records = -1;
  int64_t bytes = -1;
  std::vector<std::vector<std::string>> datasets;  // name version uri sha256
};

NodeReport ReadReport(const std::string& path) {
  NodeReport report;
  std::istringstream in(fs::exists(path) ? ReadFile(path) : "");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "records_out") words >> report.records;
    if (key == "bytes_out") words >> report.bytes;
    if (key == "dataset") {
      std::vector<std::string> fields(4);
      for (auto& f : fields) words >> f;
      report.datasets.push_back(fields);
    }
  }
  return report;
}

class HrrrIngestJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(In());
    file_ = gen::Generate(In(), kFile);
  }
  std::string In() const { return dir_.path() + "/in"; }
  std::string Out() const { return dir_.path() + "/out/hrrr"; }
  std::string Output() const { return Out() + "/" + kVersion + "/hrrr_kansas.nc"; }
  std::string ReportPath() const { return dir_.path() + "/node-report"; }

  CommandResult Run(std::vector<std::string> args) const {
    args.insert(args.begin(), KFM_HRRR_INGEST);
    // KFM_NODE_REPORT: the job runs as a wrapped node and only reports its counts.
    auto result = RunCommand(
        args,
        {"KFM_HOME=" + dir_.path() + "/home", "KFM_RUN_ID=hrrr-test",
         "KFM_NODE_REPORT=" + ReportPath(), "SOURCE_DATE_EPOCH=1764028800", "TRACEPARENT="},
        60);
    EXPECT_LT(result.exit_code, 128) << "killed by a signal: " << result.err;
    return result;
  }
  CommandResult RunLocal(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"--input", In() + "/" + kFile, "--out", Out()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  TempDir dir_;
  gen::GeneratedFile file_;
};

// Checks every cell of the written window against the generator's formulas and HRRR's
// projection computed here; returns the number of cells with values.
int64_t CheckWindow(const NcFile& nc, const std::vector<std::string>& fields) {
  const auto nx = static_cast<long>(nc.Dim("x"));
  const auto ny = static_cast<long>(nc.Dim("y"));
  const auto x0 = static_cast<long>(nc.Numbers("", "kfm_source_first_x_index").at(0));
  const auto y0 = static_cast<long>(nc.Numbers("", "kfm_source_first_y_index").at(0));
  const auto lat = nc.Values("lat");
  const auto lon = nc.Values("lon");
  std::map<std::string, std::vector<double>> values;
  for (const auto& f : fields) values[f] = nc.Values(f);
  const double n = std::sin(38.5 * std::numbers::pi / 180);
  int64_t kept = 0;
  for (long y = 0; y < ny; ++y) {
    for (long x = 0; x < nx; ++x) {
      const size_t p = static_cast<size_t>(y * nx + x);
      const int i = static_cast<int>(x0 + x), j = static_cast<int>(y0 + y);
      const gen::LatLon where = gen::GridPointLatLon(i, j, 30);
      EXPECT_NEAR(lat[p], where.lat, 1e-5);
      EXPECT_NEAR(lon[p], where.lon, 1e-5);
      const bool inside = InKansas(where.lat, where.lon);
      kept += inside;
      const double a = n * (where.lon + 97.5) * std::numbers::pi / 180;
      const double ug = gen::Value("UGRD", i, j), vg = gen::Value("VGRD", i, j);
      for (const auto& f : fields) {
        const double got = values[f][p];
        if (!inside) {
          EXPECT_FLOAT_EQ(got, NC_FILL_FLOAT) << f << " outside Kansas at " << i << "," << j;
          continue;
        }
        double expected = 0, tolerance = 0.002;
        if (f == "UGRD_10m") {
          expected = std::cos(a) * ug + std::sin(a) * vg;
        } else if (f == "VGRD_10m") {
          expected = -std::sin(a) * ug + std::cos(a) * vg;
        } else {
          const std::string name = f.substr(0, f.find('_'));
          expected = gen::Value(name, i, j);
          if (name == "PRES") tolerance = 0.2;  // 16 bits over 5 kPa, float32 at 1e5
        }
        EXPECT_NEAR(got, expected, tolerance) << f << " at " << i << "," << j;
      }
    }
  }
  return kept;
}

// Points of the whole 30 km grid inside Kansas, from the projection computed here.
int64_t KansasPointsOfTheGrid(int nx, int ny, double dx_km) {
  int64_t count = 0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const gen::LatLon p = gen::GridPointLatLon(i, j, dx_km);
      count += InKansas(p.lat, p.lon);
    }
  return count;
}

TEST_F(HrrrIngestJobTest, WritesCfNetcdfOfKansasWithItsCountsAndSha256) {
  const auto result = RunLocal();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  NcFile nc(Output());
  ASSERT_TRUE(nc.ok()) << Output();
  EXPECT_EQ(nc.Text("", "Conventions"), "CF-1.8");
  EXPECT_NE(nc.Text("", "source").find("High-Resolution Rapid Refresh"), std::string::npos);
  EXPECT_EQ(nc.Text("", "history"), "2025-11-25T00:00:00Z kfm-hrrr-ingest 0.1.0: " KFM_HRRR_INGEST
                                    " --input " +
                                        In() + "/" + kFile + " --out " + Out());
  EXPECT_EQ(nc.Text("", "grib_input"), In() + "/" + kFile);
  EXPECT_EQ(nc.Text("", "grib_idx"), In() + "/" + kFile + ".idx");
  for (const auto& [var, standard, units] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"TMP_2m", "air_temperature", "K"},
           {"UGRD_10m", "eastward_wind", "m s-1"},
           {"VGRD_10m", "northward_wind", "m s-1"},
           {"lat", "latitude", "degrees_north"},
           {"lon", "longitude", "degrees_east"}}) {
    EXPECT_EQ(nc.Text(var, "standard_name"), standard) << var;
    EXPECT_EQ(nc.Text(var, "units"), units) << var;
  }
  EXPECT_EQ(nc.Text("TMP_2m", "grid_mapping"), "lambert_conformal");
  EXPECT_EQ(nc.Text("TMP_2m", "coordinates"),
            "lat lon time forecast_reference_time forecast_period");
  EXPECT_EQ(
      nc.Text("TMP_2m", "grib_message"),
      "2:" + std::to_string(file_.offsets[1]) + ":d=2026112500:TMP:2 m above ground:6 hour fcst:");
  EXPECT_EQ(nc.Text("TMP_2m", "grib_packing"), "grid_complex_spatial_differencing");
  EXPECT_EQ(nc.Text("UGRD_10m", "grib_packing"), "grid_simple");
  EXPECT_EQ(nc.Text("lambert_conformal", "grid_mapping_name"), "lambert_conformal_conic");
  EXPECT_EQ(nc.Numbers("lambert_conformal", "standard_parallel"),
            (std::vector<double>{38.5, 38.5}));
  EXPECT_EQ(nc.Numbers("lambert_conformal", "longitude_of_central_meridian").at(0), -97.5);
  EXPECT_EQ(nc.Numbers("lambert_conformal", "earth_radius").at(0), 6371229);
  EXPECT_EQ(nc.Scalar("forecast_reference_time"), 1795564800);  // 2026-11-25T00:00:00Z
  EXPECT_EQ(nc.Scalar("time"), 1795564800 + 6 * 3600);
  EXPECT_EQ(nc.Scalar("forecast_period"), 6);

  // Every point of the grid inside Kansas, and only those, carries values.
  const int64_t kept = CheckWindow(nc, {"TMP_2m", "UGRD_10m", "VGRD_10m"});
  EXPECT_EQ(kept, KansasPointsOfTheGrid(180, 106, 30));
  EXPECT_EQ(static_cast<int64_t>(nc.Numbers("", "kfm_points_in_bbox").at(0)), kept);
  EXPECT_GT(kept, 200);  // Kansas is ~ 650 x 340 km: ~ 22 x 11 points at 30 km

  const NodeReport report = ReadReport(ReportPath());
  EXPECT_EQ(report.records, kept * 3);
  EXPECT_EQ(report.bytes, static_cast<int64_t>(fs::file_size(Output())));
  const auto sha = RunCommand({KFM_SHA256SUM, Output()}).out.substr(0, 64);
  ASSERT_EQ(report.datasets.size(), 1u);
  EXPECT_EQ(report.datasets[0],
            (std::vector<std::string>{"hrrr", kVersion, "file://" + Output(), sha}));
  EXPECT_EQ(ReadFile(Output() + ".sha256"), sha + "  hrrr_kansas.nc\n");
  EXPECT_NE(result.out.find(std::to_string(kept) +
                            " points in lat 36.99..40.01, lon "
                            "-102.06..-94.58 x 3 variables = " +
                            std::to_string(kept * 3) + " records"),
            std::string::npos)
      << result.out;

  // And ncdump, another reader, agrees on the header.
  const auto dump = RunCommand({KFM_NCDUMP, "-h", Output()});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("float TMP_2m(y, x) ;"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find(":Conventions = \"CF-1.8\" ;"), std::string::npos);
}

TEST_F(HrrrIngestJobTest, SameInputGivesTheSameBytes) {
  ASSERT_EQ(RunLocal().exit_code, 0);
  const std::string first = ReadFile(Output());
  fs::remove_all(Out());
  ASSERT_EQ(RunLocal().exit_code, 0);
  EXPECT_EQ(ReadFile(Output()), first);
}

TEST_F(HrrrIngestJobTest, ChosenVariablesIncludingTheLastMessage) {
  const auto result = RunLocal({"--var", "RH:2 m above ground", "--var", "PRES:surface"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  NcFile nc(Output());
  ASSERT_TRUE(nc.ok());
  EXPECT_EQ(nc.Var("TMP_2m"), -2);
  EXPECT_EQ(nc.Text("RH_2m", "standard_name"), "relative_humidity");
  EXPECT_EQ(nc.Text("RH_2m", "units"), "%");
  EXPECT_EQ(nc.Text("PRES_surface", "standard_name"), "surface_air_pressure");
  EXPECT_EQ(nc.Text("PRES_surface", "grib_packing"), "grid_complex_spatial_differencing");
  const int64_t kept = CheckWindow(nc, {"RH_2m", "PRES_surface"});
  EXPECT_EQ(ReadReport(ReportPath()).records, kept * 2);
}

TEST_F(HrrrIngestJobTest, LocalFileWithoutIdxIsReadWhole) {
  fs::remove(In() + "/" + kFile + ".idx");
  const auto result = RunLocal();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("no .idx beside it; read the whole file"), std::string::npos);
  NcFile nc(Output());
  ASSERT_TRUE(nc.ok());
  EXPECT_EQ(nc.Text("", "grib_idx"), "none (whole file read)");
  EXPECT_EQ(nc.Text("TMP_2m", "grib_message"),
            "message at byte " + std::to_string(file_.offsets[1]) + " (no .idx)");
  CheckWindow(nc, {"TMP_2m", "UGRD_10m", "VGRD_10m"});
}

TEST_F(HrrrIngestJobTest, OverHttpOnlyTheWantedMessagesAreRequested) {
  FileServer server(In());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url(std::string("/") + kFile);
  const auto result = Run({"--input", url, "--out", Out()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0]["path"], std::string("/") + kFile + ".idx");
  EXPECT_TRUE(requests[0]["range"].is_null());
  EXPECT_EQ(requests[0]["status"], 200);
  // TMP, UGRD, VGRD are messages 2, 4, 5: each from its offset to the byte before the next.
  const size_t wanted[] = {1, 3, 4};
  for (size_t k = 0; k < 3; ++k) {
    const auto& r = requests[k + 1];
    EXPECT_EQ(r["method"], "GET");
    EXPECT_EQ(r["path"], std::string("/") + kFile);
    EXPECT_EQ(r["range"], "bytes=" + std::to_string(file_.offsets[wanted[k]]) + "-" +
                              std::to_string(file_.offsets[wanted[k] + 1] - 1));
    EXPECT_EQ(r["status"], 206);
    EXPECT_EQ(r["bytes"], file_.offsets[wanted[k] + 1] - file_.offsets[wanted[k]]);
  }
  NcFile nc(Output());
  ASSERT_TRUE(nc.ok());
  EXPECT_EQ(nc.Text("", "grib_input"), url);
  CheckWindow(nc, {"TMP_2m", "UGRD_10m", "VGRD_10m"});
}

TEST_F(HrrrIngestJobTest, OverHttpTheLastMessageIsAnOpenEndedRange) {
  FileServer server(In());
  ASSERT_TRUE(server.ok()) << server.error();
  const auto result = Run(
      {"--input", server.Url(std::string("/") + kFile), "--out", Out(), "--var", "PRES:surface"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1]["range"], "bytes=" + std::to_string(file_.offsets.back()) + "-");
  EXPECT_EQ(requests[1]["bytes"], file_.size - file_.offsets.back());
}

TEST_F(HrrrIngestJobTest, OverHttpWithoutIdxTheWholeFileIsFetched) {
  fs::remove(In() + "/" + kFile + ".idx");
  FileServer server(In());
  ASSERT_TRUE(server.ok()) << server.error();
  const auto result = Run({"--input", server.Url(std::string("/") + kFile), "--out", Out()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["path"], std::string("/") + kFile + ".idx");
  EXPECT_EQ(requests[0]["status"], 404);
  EXPECT_EQ(requests[1]["path"], std::string("/") + kFile);
  EXPECT_TRUE(requests[1]["range"].is_null());
  EXPECT_EQ(requests[1]["status"], 200);
  EXPECT_EQ(requests[1]["bytes"], file_.size);
  NcFile nc(Output());
  ASSERT_TRUE(nc.ok());
  CheckWindow(nc, {"TMP_2m", "UGRD_10m", "VGRD_10m"});
}

TEST_F(HrrrIngestJobTest, DirectoryInputWritesOneVersionPerCycle) {
  gen::Generate(In(), "hrrr.t00z.wrfsfcf07.grib2", {"--fcst", "7"});
  const auto result = Run({"--input", In(), "--out", Out() + "/"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(Output()));
  EXPECT_TRUE(fs::exists(Out() + "/20261125T00z_f07/hrrr_kansas.nc"));
  const NodeReport report = ReadReport(ReportPath());
  ASSERT_EQ(report.datasets.size(), 2u);
  EXPECT_EQ(report.datasets[1][1], "20261125T00z_f07");
  EXPECT_EQ(report.datasets[1][0], "hrrr");  // the name survives a trailing '/' on --out
  NcFile nc(Output());
  EXPECT_EQ(report.records,
            2 * 3 * static_cast<int64_t>(nc.Numbers("", "kfm_points_in_bbox").at(0)));
}

TEST(HrrrIngestRealGrid, FullResolutionGridCutsToKansas) {
  TempDir dir;
  const auto file = gen::Generate(dir.path(), kFile, {"--dx-km", "3", "--only", "TMP"});
  const auto result =
      RunCommand({KFM_HRRR_INGEST, "--input", file.path, "--out", dir.path() + "/out", "--var",
                  "TMP:2 m above ground"},
                 {"KFM_HOME=" + dir.path() + "/home", "KFM_NODE_REPORT=" + dir.path() + "/report"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  NcFile nc(dir.path() + "/out/" + kVersion + "/hrrr_kansas.nc");
  ASSERT_TRUE(nc.ok());
  const auto points = static_cast<int64_t>(nc.Numbers("", "kfm_points_in_bbox").at(0));
  EXPECT_EQ(points, KansasPointsOfTheGrid(1799, 1059, 3));
  EXPECT_GT(points, 20000);  // ~ 213,000 km2 at 9 km2 a point
  EXPECT_EQ(ReadReport(dir.path() + "/report").records, points);
}

// --- bad input: exit 2 with the file or URL and what is wrong; failed work: exit 1 ---

void ExpectError(const CommandResult& result, int code, const std::vector<std::string>& words) {
  EXPECT_EQ(result.exit_code, code) << result.err;
  for (const auto& w : words) EXPECT_NE(result.err.find(w), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("terminate"), std::string::npos);
}

TEST_F(HrrrIngestJobTest, MissingVariableNamesTheInventory) {
  const auto result = RunLocal({"--var", "DPT:2 m above ground"});
  ExpectError(result, 2,
              {In() + "/" + kFile + ".idx: no message 'DPT:2 m above ground' in the inventory"});
  EXPECT_FALSE(fs::exists(Out() + "/" + kVersion));
  EXPECT_EQ(ReadReport(ReportPath()).records, -1);
}

TEST_F(HrrrIngestJobTest, MissingVariableWithoutIdxNamesTheFile) {
  fs::remove(In() + "/" + kFile + ".idx");
  ExpectError(RunLocal({"--var", "TMP:80 m above ground"}), 2,
              {In() + "/" + kFile + ": no message 'TMP:80 m above ground' among its 6 messages"});
}

TEST_F(HrrrIngestJobTest, MissingVariableOverHttpNamesTheUrl) {
  FileServer server(In());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url(std::string("/") + kFile);
  ExpectError(Run({"--input", url, "--out", Out(), "--var", "GUST:surface"}), 2,
              {url + ".idx: no message 'GUST:surface'"});
  EXPECT_EQ(server.Requests().size(), 1u);  // nothing fetched after the inventory
}

TEST_F(HrrrIngestJobTest, CorruptGribNamesTheFileAndByteRange) {
  std::string bytes = ReadFile(file_.path);
  bytes.replace(static_cast<size_t>(file_.offsets[1]), 4, "XXXX");  // TMP's 'GRIB'
  WriteFile(file_.path, bytes);
  ExpectError(RunLocal(), 2,
              {file_.path + " bytes " + std::to_string(file_.offsets[1]) + "-" +
                   std::to_string(file_.offsets[2] - 1),
               "not a GRIB message"});
  EXPECT_FALSE(fs::exists(Output()));
}

TEST_F(HrrrIngestJobTest, TruncatedFileIsRefused) {
  const std::string bytes = ReadFile(file_.path);
  WriteFile(file_.path, bytes.substr(0, static_cast<size_t>(file_.offsets[4] + 100)));
  ExpectError(RunLocal(), 2,
              {file_.path + " bytes " + std::to_string(file_.offsets[4]), "truncated"});
}

TEST_F(HrrrIngestJobTest, NotGribAtAllIsRefused) {
  WriteFile(file_.path, "<html>an error page saved as the file</html>\n");
  fs::remove(file_.path + ".idx");
  ExpectError(RunLocal(), 2, {file_.path + " at byte 0: not a GRIB message"});
}

TEST_F(HrrrIngestJobTest, StaleIdxIsCaught) {
  // An inventory of another file: TMP's line points at RH's message.
  std::string idx = ReadFile(file_.path + ".idx");
  const std::string tmp_offset = ":" + std::to_string(file_.offsets[1]) + ":";
  idx.replace(idx.find(tmp_offset), tmp_offset.size(),
              ":" + std::to_string(file_.offsets[2]) + ":");
  WriteFile(file_.path + ".idx", idx);
  ExpectError(RunLocal({"--var", "RH:2 m above ground", "--var", "TMP:2 m above ground"}), 2,
              {"but the message holds RH:2 m above ground (stale or foreign .idx?)"});
}

TEST_F(HrrrIngestJobTest, MalformedIdxNamesItsLine) {
  std::string idx = ReadFile(file_.path + ".idx");
  const size_t third = idx.find('\n', idx.find('\n') + 1) + 1;
  idx.replace(idx.find(':', third) + 1, 1, "x");
  WriteFile(file_.path + ".idx", idx);
  ExpectError(RunLocal(), 2, {file_.path + ".idx:3: field 2 (byte offset)"});
}

TEST_F(HrrrIngestJobTest, MissingFilesAndUrls) {
  ExpectError(Run({"--input", In() + "/nothing.grib2", "--out", Out()}), 2,
              {In() + "/nothing.grib2: cannot open"});
  FileServer server(In());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url("/hrrr.20261125/conus/missing.grib2");
  ExpectError(Run({"--input", url, "--out", Out()}), 2, {url + ": HTTP 404"});
  const auto empty_dir = dir_.path() + "/empty";
  fs::create_directories(empty_dir);
  ExpectError(Run({"--input", empty_dir, "--out", Out()}), 2, {empty_dir + ": no *.grib2 files"});
}

TEST_F(HrrrIngestJobTest, FailingServerIsFailedWork) {
  FileServer server(In(), {"--status", std::string("/") + kFile + "=503"});
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url(std::string("/") + kFile);
  ExpectError(Run({"--input", url, "--out", Out(), "--retries", "0"}), 1, {url + ": HTTP 503"});
  ExpectError(Run({"--input", "http://127.0.0.1:1/" + std::string(kFile), "--out", Out(),
                   "--retries", "0"}),
              1, {"http://127.0.0.1:1/" + std::string(kFile)});
}

TEST_F(HrrrIngestJobTest, MalformedUrlIsBadInput) {
  ExpectError(Run({"--input", "http://exa mple.invalid/x.grib2", "--out", Out()}), 2,
              {"http://exa mple.invalid/x.grib2"});
}

TEST_F(HrrrIngestJobTest, UsageErrorsAndHelp) {
  ExpectError(Run({"--out", Out()}), 2, {"--input is required"});
  ExpectError(RunLocal({"--var", "TMP"}), 2, {"--var 'TMP': expected NAME:level[:forecast]"});
  ExpectError(RunLocal({"--var", "TMP:2 m above ground", "--var", "TMP:2 m above ground"}), 2,
              {"given twice"});
  const auto help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word :
       {"--input", "--out", "--var", "Examples:", "records_out", ".idx", "Exit codes"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
}

}  // namespace
}  // namespace kfm::testing
