#include "dataset_writer.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "http_fetch.h"
#include "observations_csv.h"
#include "sites_geojson.h"

namespace kfm::jobs::usgs {
namespace fs = std::filesystem;

namespace {

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(path.string() + ": cannot create");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Status::IoError(path.string() + ": write failed");
  return Status::Ok();
}

}  // namespace

std::string DatasetVersion(const std::vector<Observation>& observations) {
  const auto [first, last] = std::minmax_element(
      observations.begin(), observations.end(),
      [](const Observation& a, const Observation& b) { return a.time < b.time; });
  return FormatUtcHour(first->time) + "-" + FormatUtcHour(last->time);
}

Result<WrittenDataset> WriteDataset(const fs::path& out_dir,
                                    const std::vector<Observation>& observations,
                                    const std::vector<Site>& sites,
                                    const std::vector<std::string>& sources) {
  if (observations.empty()) return Status::InvalidArgument("no observations to write");
  WrittenDataset written;
  written.version = DatasetVersion(observations);
  written.dir = out_dir / written.version;
  written.csv = written.dir / "observations.csv";
  written.rows = static_cast<int64_t>(observations.size());

  const std::string csv = ObservationsCsv(observations);
  const std::string schema = ObservationsTableSchema();
  const std::string geojson = SitesGeoJson(sites, observations);
  written.csv_sha256 = Sha256Hex(csv);
  const std::string checksum = written.csv_sha256 + "  observations.csv\n";

  using nlohmann::ordered_json;
  const auto resource = [](const char* name, const char* path, const char* format,
                           const char* mediatype, const std::string& bytes) {
    return ordered_json{{"name", name},
                        {"path", path},
                        {"format", format},
                        {"mediatype", mediatype},
                        {"encoding", "utf-8"},
                        {"bytes", bytes.size()},
                        {"hash", "sha256:" + Sha256Hex(bytes)}};
  };
  ordered_json observations_resource =
      resource("observations", "observations.csv", "csv", "text/csv", csv);
  observations_resource["schema"] = "observations.schema.json";
  ordered_json source_list = ordered_json::array();
  for (const std::string& source : sources) source_list.push_back({{"path", source}});
  const ordered_json package = {
      {"$schema", "https://datapackage.org/profiles/2.0/datapackage.json"},
      {"name", "usgs-gauges"},
      {"title", "USGS stream gauge observations (discharge, gage height), UTC"},
      {"version", written.version},
      {"sources", source_list},
      {"resources",
       {observations_resource,
        resource("sites", "sites.geojson", "geojson", "application/geo+json", geojson)}},
  };
  const std::string package_text = package.dump(2) + "\n";

  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) return Status::IoError(out_dir.string() + ": cannot create: " + error.message());
  const fs::path staging = out_dir / ("." + written.version + ".tmp-" + std::to_string(::getpid()));
  fs::remove_all(staging, error);
  fs::create_directory(staging, error);
  if (error) return Status::IoError(staging.string() + ": cannot create: " + error.message());
  const std::pair<const char*, const std::string*> files[] = {
      {"observations.csv", &csv},
      {"observations.schema.json", &schema},
      {"observations.csv.sha256", &checksum},
      {"sites.geojson", &geojson},
      {"datapackage.json", &package_text},
  };
  for (const auto& [name, text] : files) {
    if (Status s = WriteText(staging / name, *text); !s.ok()) {
      fs::remove_all(staging, error);
      return s;
    }
    written.bytes += static_cast<int64_t>(text->size());
  }
  // Replace a previous run's copy of this version: move it aside, move ours in, drop it.
  const fs::path previous =
      out_dir / ("." + written.version + ".old-" + std::to_string(::getpid()));
  const bool had_previous = fs::exists(written.dir, error);
  if (had_previous) {
    fs::rename(written.dir, previous, error);
    if (error) {
      fs::remove_all(staging, error);
      return Status::IoError(written.dir.string() + ": cannot replace: " + error.message());
    }
  }
  fs::rename(staging, written.dir, error);
  if (error) {
    const std::string why = error.message();
    if (had_previous) fs::rename(previous, written.dir, error);
    fs::remove_all(staging, error);
    return Status::IoError(written.dir.string() + ": cannot create: " + why);
  }
  if (had_previous) fs::remove_all(previous, error);
  written.dir = fs::absolute(written.dir, error);
  written.csv = written.dir / "observations.csv";
  return written;
}

}  // namespace kfm::jobs::usgs
