// One grid carbon-intensity table: a values file (CSV: region, start, resolution,
// gco2e_per_kwh) and its metadata file (JSON: id, version, source, licence, retrieval date,
// basis, scope), checked strictly on load — every refusal names the file, line and field.
// The sha256 of the values bytes identifies exactly what was used. Immutable values after
// loading; thread-safe to share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::carbon {

// Finest first: the lookup order.
enum class Resolution { kHour = 0, kDay = 1, kYear = 2, kStatic = 3 };
std::string_view ResolutionName(Resolution resolution);  // "hour", "day", "year", "static"

struct TableMeta {
  std::string id;         // e.g. "electricitymaps-yearly"; [a-z0-9._-]
  std::string version;    // e.g. "0.19.0" or "2026-11-30"
  std::string source;     // who published the figures, and where they came from
  std::string licence;    // SPDX id or the licence's name
  std::string retrieved;  // YYYY-MM-DD the figures were obtained
  std::string basis;      // "average" or "marginal"
  std::string scope;      // "lifecycle" or "direct"
  std::string notes;      // optional: method, caveats (free text)
};

struct Period {
  int64_t start_s = 0;  // UTC, aligned to the resolution (static: 0)
  Resolution resolution = Resolution::kYear;
  double gco2e_per_kwh = 0;
};

// One row as importers produce it and the values file holds it.
struct Row {
  std::string region;
  Period period;
};

struct Table {
  TableMeta meta;
  std::string sha256;       // of the values file's bytes, lower-case hex
  std::string values_name;  // file name or "shipped:<name>", for messages and provenance
  std::string origin;       // "shipped", or the directory it was loaded from
  // Per region code: periods sorted by (resolution, start); static rows have start 0.
  std::map<std::string, std::vector<Period>> regions;

  [[nodiscard]] size_t row_count() const;
};

// The end of the period that starts at `start_s` (a year ends on the next 1 January).
int64_t PeriodEnd(const Period& period);

// Parses a table from its two texts. `values_name` and `meta_name` appear in messages.
// `values_sha256`, when given, is the known sha256 of `values_csv` (the shipped tables'
// is computed at build time); otherwise it is computed here.
Result<Table> ParseTable(std::string_view values_csv, std::string_view meta_json,
                         const std::string& values_name, const std::string& meta_name,
                         std::string_view values_sha256 = {});

// Loads `<dir>/<stem>.csv` with its metadata `<dir>/<stem>.meta.json` (stem is
// `<id>@<version>` for the files WriteTable makes; any stem is accepted).
Result<Table> LoadTableFile(const std::filesystem::path& values_path);

// The metadata file that belongs to a values file: "x.csv" -> "x.meta.json".
std::filesystem::path MetaPathFor(const std::filesystem::path& values_path);

// The two texts of a table, as LoadTableFile reads them back; rows are sorted by region,
// resolution and start. Used by the importers.
std::string FormatValuesCsv(std::vector<Row> rows);
std::string FormatMetaJson(const TableMeta& meta);

// Writes `<dir>/<id>@<version>.csv` and `<dir>/<id>@<version>.meta.json` (each atomically,
// via a temporary file) and returns the values path. Refuses, writing nothing, if the rows do
// not load back cleanly (the same checks as ParseTable).
Result<std::filesystem::path> WriteTable(const std::filesystem::path& dir, const TableMeta& meta,
                                         std::vector<Row> rows);

// "2026-11-25T04:00:00Z" <-> Unix seconds. Parse accepts exactly that form (UTC, "Z").
bool ParseUtcSeconds(std::string_view text, int64_t* out);
std::string FormatUtcSeconds(int64_t unix_s);

// Lower-case hex sha256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace kfm::carbon
