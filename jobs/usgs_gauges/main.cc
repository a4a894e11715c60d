// kfm-usgs-gauges: the usgs_gauges reference job. Parses the command line, runs the job
// (job.h) inside its node span, reports counts and the dataset, maps the result to DESIGN.md's
// exit codes: 0 ok, 1 the work failed, 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "http_fetch.h"
#include "job.h"
#include "kfm/telemetry.h"
#include "redact.h"

namespace {

using kfm::jobs::usgs::InputFormat;

int ExitCode(const kfm::Status& status) {
  switch (status.code()) {
    case kfm::Status::Code::kOk:
      return 0;
    case kfm::Status::Code::kInvalidArgument:
    case kfm::Status::Code::kNotFound:
      return 2;
    default:
      return 1;
  }
}

constexpr const char* kDescription =
    "kfm-usgs-gauges: USGS stream gauge readings (discharge 00060, gage height 00065, any\n"
    "parameter) to one UTC table with a schema, a sites layer and a sha256.";

constexpr const char* kFooter =
    R"(Inputs (--input, repeatable; a file, a directory of .json/.geojson files, or a URL):
  waterml  USGS NWIS instantaneous values, WaterML-JSON:
           https://waterservices.usgs.gov/nwis/iv/?format=json&stateCd=ks&parameterCd=00060,00065
  ogc      USGS Water Data OGC API, collection `continuous` (GeoJSON), from any base URL:
           https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items?f=json
             &monitoring_location_id=USGS-06892350&parameter_code=00060&time=P1D
           From a URL the job follows links rel=next, on the same host only.
  auto     (default) tells them apart by shape: value.timeSeries or features.

Output: OUT/<version>/ with observations.csv (site_id, parameter_code, time_utc, value, unit,
approval, qualifiers), observations.schema.json (Frictionless Table Schema),
observations.csv.sha256, sites.geojson and datapackage.json. <version> is the UTC hour span
of the readings, e.g. 20261101T05Z-20261101T08Z; a re-run over the same hours replaces it.
Readings equal to the series' noDataValue (-999999) or null are dropped and counted.

API key: --api-key-env API_USGS_PAT sends the key in that variable as the X-Api-Key header
with every request of a URL input. The key is never printed or written, and a next link to
another host is refused rather than followed with it.

Telemetry: one node span `usgs_gauges` (domain hydro); records_out = rows written. Under
`kfm-energy run` or `pipeline run` the counts go to $KFM_NODE_REPORT.

Examples:
  kfm-usgs-gauges --input examples/nightly/data/usgs --out "$KFM_HOME/datasets/usgs"
  kfm-usgs-gauges --format ogc --api-key-env API_USGS_PAT --out /tmp/usgs \
    --input 'https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items?f=json&parameter_code=00060&time=PT6H&limit=10000'

Exit codes: 0 written; 1 the work failed (a service down, nothing to write, output not
writable); 2 bad usage or bad input (the message names the file or URL, line:column, field).)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "kfm-usgs-gauges"};
  app.footer(kFooter);
  app.get_formatter()->column_width(28);
  std::vector<std::string> inputs;
  std::string format_name = "auto";
  std::string out_dir;
  std::string api_key_env;
  int max_pages = 1000;
  app.add_option("--input", inputs, "A WaterML-JSON or OGC GeoJSON file, a directory, or a URL")
      ->required()
      ->allow_extra_args(false)
      ->type_name("PATH_OR_URL");
  app.add_option("--format", format_name, "waterml, ogc or auto (by shape)")
      ->check(CLI::IsMember({"auto", "waterml", "ogc"}))
      ->capture_default_str();
  app.add_option("--out", out_dir, "Dataset directory; versions go under it")
      ->required()
      ->type_name("DIR");
  app.add_option("--api-key-env", api_key_env,
                 "Environment variable holding the API key (sent as X-Api-Key)")
      ->type_name("VAR");
  app.add_option("--max-pages", max_pages, "Most OGC pages followed from one URL")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    kfm::jobs::usgs::JobOptions options;
    options.inputs = inputs;
    options.format = kfm::jobs::usgs::ParseInputFormat(format_name).value_or(InputFormat::kAuto);
    options.out_dir = out_dir;
    options.paging.max_pages = max_pages;
    kfm::jobs::FetchOptions fetch_options;
    if (!api_key_env.empty()) {
      const char* key = std::getenv(api_key_env.c_str());
      if (key == nullptr || *key == '\0') {
        std::cerr << "kfm-usgs-gauges: --api-key-env " << api_key_env
                  << ": the variable is not set or empty (it should hold the API key)\n";
        return 2;
      }
      options.secrets.emplace_back(key);
      fetch_options.headers.emplace_back("X-Api-Key", key);
    }
    const kfm::jobs::usgs::Fetcher fetch = [&](const std::string& source) {
      return kfm::jobs::Fetch(source,
                              kfm::jobs::IsUrl(source) ? fetch_options : kfm::jobs::FetchOptions{});
    };
    const auto redact = [&](const std::string& text) {
      return kfm::jobs::usgs::Redact(text, options.secrets);
    };

    auto tel = kfm::energy::Telemetry::from_env("kfm.etl.usgs_gauges");
    int exit_code = 0;
    {
      auto span = tel.node_span("usgs_gauges", {.domain = "hydro", .pipeline_kind = "nightly"});
      auto report = kfm::jobs::usgs::RunJob(options, fetch);
      if (!report.ok()) {
        const std::string message = redact(report.status().message());
        std::cerr << "kfm-usgs-gauges: " << message << "\n";
        span.records_out(0);
        span.fail(message);
        exit_code = ExitCode(report.status());
      } else {
        const auto& dataset = report->dataset;
        for (const std::string& note : report->notes)
          std::cerr << "kfm-usgs-gauges: note: " << redact(note) << "\n";
        span.records_out(dataset.rows);
        span.bytes_out(dataset.bytes);
        span.dataset("usgs", dataset.version, "file://" + dataset.csv.string(), dataset.csv_sha256);
        std::cout << "usgs_gauges: " << dataset.rows << " observations at " << report->sites
                  << " sites from " << report->documents << " document(s); " << report->no_data
                  << " no-data readings dropped, " << report->duplicates << " duplicates merged\n"
                  << "version " << dataset.version << ": " << dataset.dir.string() << "\n"
                  << "sha256 " << dataset.csv_sha256 << "  " << dataset.csv.string() << "\n";
      }
      if (kfm::Status ended = span.end(); !ended.ok())
        std::cerr << "kfm-usgs-gauges: telemetry: " << redact(ended.message()) << "\n";
    }
    return exit_code;
  } catch (const std::exception& e) {
    std::cerr << "kfm-usgs-gauges: internal error: " << e.what() << "\n";
    return 70;
  }
}
