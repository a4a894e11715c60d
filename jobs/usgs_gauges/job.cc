#include "job.h"

#include <algorithm>
#include <system_error>

#include "http_fetch.h"
#include "json_input.h"
#include "ogc_reader.h"
#include "redact.h"
#include "waterml_reader.h"

namespace kfm::jobs::usgs {
namespace fs = std::filesystem;

namespace {

// The sources behind one --input: itself, or the .json/.geojson files of a directory in
// name order.
Status ExpandInput(const std::string& input, std::vector<std::string>* sources) {
  if (IsUrl(input)) {
    sources->push_back(input);
    return Status::Ok();
  }
  std::error_code error;
  if (fs::is_directory(input, error)) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(input, error)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file(error) && (ext == ".json" || ext == ".geojson"))
        files.push_back(entry.path().string());
    }
    if (error) return Status::IoError(input + ": cannot list: " + error.message());
    if (files.empty())
      return Status::InvalidArgument(input + ": no .json or .geojson files in this directory");
    std::sort(files.begin(), files.end());
    sources->insert(sources->end(), files.begin(), files.end());
    return Status::Ok();
  }
  if (!fs::exists(input, error))
    return Status::NotFound(input + ": no such file or directory (--input)");
  sources->push_back(input);
  return Status::Ok();
}

Result<InputBatch> ReadSource(const std::string& source, const JobOptions& options,
                              const Fetcher& fetch, JobReport* report) {
  auto text = fetch(source);
  if (!text.ok()) return text.status();
  auto doc = ParseJson(*text, source);
  if (!doc.ok()) return doc.status();
  InputFormat format = options.format;
  if (format == InputFormat::kAuto) {
    if (LooksLikeWaterMl(*doc)) {
      format = InputFormat::kWaterMl;
    } else if (LooksLikeOgcFeatures(*doc)) {
      format = InputFormat::kOgc;
    } else {
      return FieldError(*text, source, JsonPath(),
                        "neither WaterML-JSON (value.timeSeries) nor an OGC API GeoJSON "
                        "FeatureCollection (features); see --help, or give --format");
    }
  }
  if (format == InputFormat::kWaterMl) {
    ++report->documents;
    return ReadWaterMl(*doc, *text, source);
  }
  if (IsUrl(source)) {
    // The first page is already here; the pager asks for it again.
    std::optional<std::string> first = std::move(*text);
    const Fetcher cached = [&](const std::string& url) -> Result<std::string> {
      if (first && url == source) {
        std::string page = std::move(*first);
        first.reset();
        return page;
      }
      return fetch(url);
    };
    auto pages = ReadOgcPages(source, cached, options.paging);
    if (!pages.ok()) return pages.status();
    report->documents += pages->pages;
    return std::move(pages->batch);
  }
  auto page = ReadOgcPage(*doc, *text, source);
  if (!page.ok()) return page.status();
  ++report->documents;
  if (page->next_href) {
    report->notes.push_back(source + ": links to a next page (" + *page->next_href +
                            "), not followed for a file: give the URL, or each saved page, "
                            "as --input");
  }
  return std::move(page->batch);
}

}  // namespace

std::optional<InputFormat> ParseInputFormat(std::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "waterml") return InputFormat::kWaterMl;
  if (name == "ogc") return InputFormat::kOgc;
  return std::nullopt;
}

Result<JobReport> RunJob(const JobOptions& options, const Fetcher& fetch) {
  if (options.inputs.empty()) return Status::InvalidArgument("no --input given");
  std::vector<std::string> sources;
  for (const std::string& input : options.inputs) {
    if (Status s = ExpandInput(input, &sources); !s.ok()) return s;
  }
  JobReport report;
  ObservationSet set;
  for (const std::string& source : sources) {
    auto batch = ReadSource(source, options, fetch, &report);
    if (!batch.ok()) return batch.status();
    set.Add(std::move(*batch));
  }
  report.no_data = set.no_data();
  report.duplicates = set.duplicates();
  if (set.empty()) {
    return Status::Unavailable("no observations in " + std::to_string(sources.size()) +
                               " input(s) (" + std::to_string(set.no_data()) +
                               " no-data readings dropped); nothing written");
  }
  const std::vector<Observation> observations = set.Observations();
  const std::vector<Site> sites = set.Sites();
  report.sites = static_cast<int64_t>(sites.size());
  std::vector<std::string> listed;
  for (const std::string& source : sources) listed.push_back(Redact(source, options.secrets));
  auto written = WriteDataset(options.out_dir, observations, sites, listed);
  if (!written.ok()) return written.status();
  report.dataset = std::move(*written);
  return report;
}

}  // namespace kfm::jobs::usgs
