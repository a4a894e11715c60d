// The usgs_gauges job without its command line: read every input (a file, a directory of
// .json/.geojson files, or a URL; WaterML-JSON or OGC API `continuous` GeoJSON, told apart by
// their shape unless the format is given), follow OGC pages from URLs, merge and normalize the
// readings, write the dataset version. main.cc adds the flags and the telemetry span.
// Thread-compatible.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset_writer.h"
#include "kfm/status.h"
#include "ogc_pager.h"

namespace kfm::jobs::usgs {

enum class InputFormat { kAuto, kWaterMl, kOgc };

// "auto", "waterml", "ogc".
std::optional<InputFormat> ParseInputFormat(std::string_view name);

struct JobOptions {
  std::vector<std::string> inputs;  // paths, directories or URLs
  InputFormat format = InputFormat::kAuto;
  std::filesystem::path out_dir;
  PagingOptions paging;
  std::vector<std::string> secrets;  // never written: masked in datapackage.json's sources
};

struct JobReport {
  WrittenDataset dataset;
  int64_t no_data = 0;     // readings dropped as no data
  int64_t duplicates = 0;  // readings that more than one input held (one row kept)
  int64_t sites = 0;
  int documents = 0;               // files and pages read
  std::vector<std::string> notes;  // things a person should know ("next link not followed")
};

// Refusals: InvalidArgument for bad input (file/URL, line, column, field in the message),
// NotFound for an input that is not there, Unavailable for a service that did not answer,
// IoError where the output cannot be written; Unavailable "no observations" when the inputs
// held none (nothing to publish yet: the work failed, not the input).
Result<JobReport> RunJob(const JobOptions& options, const Fetcher& fetch);

}  // namespace kfm::jobs::usgs
