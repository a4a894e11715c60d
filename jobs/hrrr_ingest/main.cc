// kfm-hrrr-ingest: the reference job hrrr_ingest. Parses the command line, runs the job
// (ingest.h) inside a node span of the public telemetry API, reports its counts and datasets,
// and maps the outcome to DESIGN.md's exit codes.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

#include "ingest.h"
#include "kfm/telemetry.h"
#include "message_fetch.h"

namespace {

constexpr char kFooter[] = R"(What it does:
  Reads an HRRR surface file (hrrr.tCCz.wrfsfcfFF.grib2) from a path or an http(s) URL. When
  INPUT.idx (NCEP's inventory) is there too, only the wanted messages are fetched, one HTTP
  range request each (message k spans from its offset to the byte before message k+1's);
  otherwise the whole file is read. The messages are decoded with ecCodes (Lambert conformal
  grid, simple or complex packing), cut to Kansas (lat 36.99..40.01, lon -102.06..-94.58),
  grid-relative winds are turned earth-relative, and one CF-1.8 NetCDF file is written:
    OUT/<cycle>/hrrr_kansas.nc  (+ .sha256), <cycle> = YYYYMMDDTHHz_fFF
  records_out = grid points inside Kansas x variables written.

Examples:
  kfm-hrrr-ingest --input hrrr.t00z.wrfsfcf06.grib2 --out "$KFM_HOME/datasets/hrrr"
  kfm-hrrr-ingest --input https://noaa-hrrr-bdp-pds.s3.amazonaws.com/hrrr.20261125/conus/hrrr.t00z.wrfsfcf06.grib2 \
      --out "$KFM_HOME/datasets/hrrr" --var 'TMP:2 m above ground' --var 'RH:2 m above ground'
  kfm-hrrr-ingest --input examples/nightly/data/hrrr --out "$KFM_HOME/datasets/hrrr"   # every *.grib2

Exit codes: 0 ok; 1 the work failed (server unavailable, disk); 2 bad usage or bad input
(missing file or URL, variable not in the file, corrupt GRIB2), with a message naming it.)";

}  // namespace

int main(int argc, char** argv) {
  kfm::jobs::hrrr::IngestOptions options;
  std::vector<std::string> variables;
  CLI::App app{
      "kfm-hrrr-ingest: HRRR GRIB2 surface fields -> Kansas subset as CF NetCDF, instrumented "
      "as the node hrrr_ingest.",
      "kfm-hrrr-ingest"};
  app.footer(kFooter);
  app.add_option("--input", options.input,
                 "HRRR GRIB2 file: a path, an http(s) URL, or a directory of *.grib2 files")
      ->required();
  app.add_option("--out", options.out_dir,
                 "Dataset directory; writes OUT/<cycle>/hrrr_kansas.nc (the dataset's name is "
                 "OUT's last component)")
      ->required();
  app.add_option("--var", variables,
                 "Field as the .idx names it, NAME:level[:forecast]; repeatable. Default: "
                 "'TMP:2 m above ground' 'UGRD:10 m above ground' 'VGRD:10 m above ground'");
  app.add_option("--retries", options.fetch.retries,
                 "Retries of an HTTP request on connection failures and 429/5xx")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  app.add_option("--timeout", options.fetch.timeout_s, "Seconds allowed for each HTTP request")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!variables.empty()) options.variables = variables;
  // For the history attribute; URLs lose their query strings, which may carry keys.
  for (int k = 0; k < argc; ++k)
    options.command_line += (k ? " " : "") + kfm::jobs::hrrr::RedactedSource(argv[k]);

  try {
    auto tel = kfm::energy::Telemetry::from_env("kfm.etl.hrrr_ingest");
    int exit_code = 0;
    {
      auto span = tel.node_span("hrrr_ingest", {.domain = "atmo", .pipeline_kind = "nightly"});
      auto report = kfm::jobs::hrrr::RunIngest(options, std::cout);
      if (report.ok()) {
        span.records_out(report->records());
        span.bytes_out(report->bytes());
        for (const auto& d : report->datasets) span.dataset(d.name, d.version, d.uri, d.sha256);
      } else {
        std::cerr << "kfm-hrrr-ingest: " << report.status().message() << "\n";
        span.fail(report.status().message());
        exit_code = kfm::jobs::hrrr::ExitCodeFor(report.status());
      }
      if (kfm::Status ended = span.end(); !ended.ok())
        std::cerr << "kfm-hrrr-ingest: telemetry: " << ended.message() << "\n";
    }
    return exit_code;
  } catch (const std::exception& e) {
    std::cerr << "kfm-hrrr-ingest: internal error: " << e.what() << "\n";
    return 70;
  }
}
