// `kfm-energy carbon import --format F [--region R] [--out DIR] FILE...`: hourly intensity
// data users can download, turned into a versioned table that later runs use automatically.
#include <ctime>
#include <iostream>

#include "carbon/importers.h"
#include "carbon/table_set.h"
#include "cli/command.h"
#include "otel/bundle.h"

namespace kfm::cli {
namespace {

struct ImportOptions {
  std::string format;
  std::string region;
  std::string out;
  std::vector<std::string> files;
};

std::string UtcNow(const char* format) {
  const time_t now = std::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), format, &tm);
  return buffer;
}

int Import(const ImportOptions& options) {
  auto fail = [](const std::string& message) {
    std::cerr << "kfm-energy carbon import: " << message << "\n";
    return 2;
  };
  auto format = carbon::ParseImportFormat(options.format);
  if (!format.ok()) return fail("--format: " + format.status().message());
  carbon::ImportRequest request{
      *format, options.region, {}, UtcNow("%Y%m%dT%H%M%SZ"), UtcNow("%Y-%m-%d")};
  for (const auto& file : options.files) request.files.emplace_back(file);
  auto imported = carbon::ImportFiles(request);
  if (!imported.ok()) return fail(imported.status().message());
  const std::filesystem::path dir =
      options.out.empty() ? otel::HomeFromEnv() / "carbon" : std::filesystem::path(options.out);
  const size_t rows = imported->rows.size();
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& row : imported->rows) {
    first = std::min(first, row.period.start_s);
    last = std::max(last, carbon::PeriodEnd(row.period));
  }
  auto written = carbon::WriteTable(dir, imported->meta, std::move(imported->rows));
  if (!written.ok()) return fail(written.status().message());
  for (const auto& note : imported->notes)
    std::cerr << "kfm-energy carbon import: " << note << "\n";
  std::cout << "kfm-energy carbon import: " << imported->meta.id << "@" << imported->meta.version
            << ", " << rows << " rows";
  if (rows > 0) {
    std::cout << " from " << carbon::FormatUtcSeconds(first) << " to "
              << carbon::FormatUtcSeconds(last);
  }
  std::cout << "\n  written " << written->string() << " (+ .meta.json)\n";
  if (!options.out.empty() && dir != otel::HomeFromEnv() / "carbon") {
    std::cout << "  runs use it when KFM_CARBON_TABLES names " << dir.string() << "\n";
  }
  return 0;
}

}  // namespace

void AddCarbonImportCommand(CLI::App& carbon, int& exit_code) {
  static ImportOptions options;
  auto* cmd = carbon.add_subcommand(
      "import", "Turn downloaded hourly intensity data into a table that runs use");
  cmd->add_option("--format", options.format, "electricitymaps, eia930 or carbon-aware-json")
      ->required();
  cmd->add_option("--region", options.region,
                  "The zone, balancing authority or location to take (needed when a file holds "
                  "several)");
  cmd->add_option("--out", options.out, "Directory to write to (default $KFM_HOME/carbon/)");
  cmd->add_option("files", options.files, "Input files, in time order")->required();
  cmd->footer(
      "Formats (details and download links: docs/reference/carbon-import.md):\n"
      "  electricitymaps    Electricity Maps CSV export (hourly or daily; the LCA / Life cycle\n"
      "                     column)\n"
      "  eia930             EIA-930 hourly net generation by fuel per balancing authority;\n"
      "                     intensity derived with documented per-fuel lifecycle factors\n"
      "  carbon-aware-json  the Carbon Aware SDK's JSON emissions data file\n"
      "The table is versioned by the import's UTC time; in $KFM_HOME/carbon/ it is used by\n"
      "every later run, and where it covers an hour, beats the coarser shipped tables.\n"
      "Example: kfm-energy carbon import --format eia930 --region SWPP "
      "EIA930_BALANCE_2026_Jul_Dec.csv");
  cmd->callback([&exit_code] { exit_code = Import(options); });
}

}  // namespace kfm::cli
