// The hrrr_ingest job without its command line: for each HRRR GRIB2 input, fetch the wanted
// messages, decode them, cut them to Kansas, turn grid-relative winds to earth-relative and
// write one CF NetCDF file with its sha256 under OUT/<version>/. main.cc wraps it in a node
// span. Thread-compatible.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "http_fetch.h"
#include "kansas_subset.h"
#include "kfm/status.h"

namespace kfm::jobs::hrrr {

// What the job writes when no --var is given.
inline const std::vector<std::string> kDefaultVariables = {
    "TMP:2 m above ground", "UGRD:10 m above ground", "VGRD:10 m above ground"};

inline constexpr char kOutputFile[] = "hrrr_kansas.nc";

struct IngestOptions {
  std::string input;    // a .grib2 path or http(s) URL, or a local directory of *.grib2 files
  std::string out_dir;  // the dataset's directory, e.g. $KFM_HOME/datasets/hrrr
  std::vector<std::string> variables = kDefaultVariables;  // NAME:level[:forecast]
  FetchOptions fetch;
  BoundingBox box = kKansas;
  std::string command_line;  // recorded in the history attribute
};

struct WrittenDataset {
  std::string name;     // the dataset: the last component of out_dir
  std::string version;  // model cycle and forecast hour, e.g. 20261125T00z_f06
  std::string path;     // OUT/<version>/hrrr_kansas.nc
  std::string uri;      // file:// URI of path
  std::string sha256;   // of the file's bytes, also in path + ".sha256"
  int64_t bytes = 0;
  int64_t points = 0;  // grid points inside the box
  int64_t variables = 0;
  int64_t bytes_fetched = 0;
  int requests = 0;
  [[nodiscard]] int64_t records() const { return points * variables; }
};

struct IngestReport {
  std::vector<WrittenDataset> datasets;
  [[nodiscard]] int64_t records() const;
  [[nodiscard]] int64_t bytes() const;
};

// Runs the job, writing one progress line per step to `log`. Errors name the file or URL.
Result<IngestReport> RunIngest(const IngestOptions& options, std::ostream& log);

// 2 for bad usage or bad input (InvalidArgument, NotFound, PermissionDenied), 1 when the work
// failed (a server or the disk: Unavailable, IoError, Internal), 0 for Ok.
int ExitCodeFor(const Status& status);

}  // namespace kfm::jobs::hrrr
