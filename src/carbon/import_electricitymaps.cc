// Electricity Maps CSV exports (app.electricitymaps.com / the data portal): one row per hour,
// day or year of one zone, with "Datetime (UTC)", "Zone Id" and the lifecycle carbon
// intensity, named "Carbon Intensity gCO₂eq/kWh (LCA)" in older exports and "Carbon intensity
// gCO₂eq/kWh (Life cycle)" in newer ones. The resolution comes from the rows' spacing.
#include <algorithm>
#include <array>
#include <optional>

#include "carbon/import_common.h"

namespace kfm::carbon::import_internal {
namespace {

constexpr std::string_view kTimeColumn = "datetime (utc)";
constexpr std::string_view kZoneColumn = "zone id";
constexpr std::string_view kEstimatedColumn = "data estimated";
constexpr std::array<std::string_view, 3> kLifecycleColumns = {
    "carbon intensity gco2eq/kwh (lca)", "carbon intensity gco2eq/kwh (life cycle)",
    "carbon intensity gco2eq/kwh (life cycle assessment)"};

struct Column {
  int index = -1;
  std::string name;  // as the file spells it, for messages
};

struct Record {
  int line;
  std::vector<std::string> fields;
};

struct ParsedFile {
  std::string name;
  std::string path_stem;  // lower-case file name, for the resolution hint of one-row files
  Column time, zone, value, estimated;
  std::vector<Record> records;
};

struct TimedRow {
  int64_t start_s;
  const Record* record;
};

Result<ParsedFile> ReadExport(const std::filesystem::path& path) {
  auto text = ReadFileText(path);
  if (!text.ok()) return text.status();
  ParsedFile file;
  file.name = path.string();
  file.path_stem = NormalizeHeader(path.filename().string());
  CsvReader reader(*text, file.name);
  if (!reader.Next()) {
    if (!reader.status().ok()) return reader.status();
    return FieldError(file.name, 0, "", "empty file, no header");
  }
  const int header_line = reader.line();
  for (size_t i = 0; i < reader.fields().size(); ++i) {
    const std::string key = NormalizeHeader(reader.fields()[i]);
    Column* column = nullptr;
    if (key == kTimeColumn) column = &file.time;
    if (key == kZoneColumn) column = &file.zone;
    if (key == kEstimatedColumn) column = &file.estimated;
    if (std::find(kLifecycleColumns.begin(), kLifecycleColumns.end(), key) !=
        kLifecycleColumns.end()) {
      column = &file.value;
    }
    if (column == nullptr) continue;
    if (column->index >= 0) {
      return FieldError(file.name, header_line, reader.fields()[i],
                        "column given twice (also as '" + column->name + "')");
    }
    *column = Column{static_cast<int>(i), reader.fields()[i]};
  }
  const std::pair<const Column*, std::string_view> required[] = {
      {&file.time, "Datetime (UTC)"},
      {&file.zone, "Zone Id"},
      {&file.value,
       "Carbon Intensity gCO₂eq/kWh (LCA)' or 'Carbon intensity gCO₂eq/kWh (Life "
       "cycle)"}};
  for (const auto& [column, name] : required) {
    if (column->index < 0) {
      return FieldError(file.name, header_line, name,
                        "column missing from the header (is this an Electricity Maps carbon "
                        "intensity export?)");
    }
  }
  const size_t needed =
      static_cast<size_t>(std::max({file.time.index, file.zone.index, file.value.index})) + 1;
  while (reader.Next()) {
    if (reader.fields().size() < needed) {
      return FieldError(file.name, reader.line(), "",
                        "expected " + std::to_string(needed) + " or more fields, found " +
                            std::to_string(reader.fields().size()));
    }
    file.records.push_back({reader.line(), reader.fields()});
  }
  if (!reader.status().ok()) return reader.status();
  return file;
}

std::string Adjective(Resolution resolution) {
  switch (resolution) {
    case Resolution::kDay:
      return "daily";
    case Resolution::kYear:
      return "yearly";
    default:
      return "hourly";
  }
}

std::string Describe(int64_t seconds) {
  if (seconds % kDayS == 0) return std::to_string(seconds / kDayS) + " d";
  if (seconds % kHourS == 0) return std::to_string(seconds / kHourS) + " h";
  return std::to_string(seconds) + " s";
}

// Hour, day or year from the spacing of one file's rows (sorted by time).
Result<Resolution> FileResolution(const ParsedFile& file, const std::vector<TimedRow>& rows,
                                  std::vector<std::string>* notes) {
  if (rows.size() == 1) {
    const std::string& stem = file.path_stem;
    if (stem.find("monthly") != std::string::npos) {
      return FieldError(file.name, rows[0].record->line, file.time.name,
                        "a monthly export cannot be imported (tables hold hours, days or years)");
    }
    if (stem.find("yearly") != std::string::npos) return Resolution::kYear;
    if (stem.find("daily") != std::string::npos) return Resolution::kDay;
    if (stem.find("hourly") == std::string::npos) {
      notes->push_back(file.name +
                       ": one row and no hourly/daily/yearly in the file name; taken "
                       "as one hour");
    }
    return Resolution::kHour;
  }
  int64_t step = 0;
  bool yearly = IsYearStart(rows[0].start_s);
  for (size_t i = 1; i < rows.size(); ++i) {
    const int64_t diff = rows[i].start_s - rows[i - 1].start_s;
    if (diff == 0) continue;
    if (step == 0 || diff < step) step = diff;
    yearly = yearly && rows[i].start_s == NextYearStart(rows[i - 1].start_s);
  }
  if (step == 0) return Resolution::kHour;  // one time, given several times
  Resolution resolution = Resolution::kHour;
  if (yearly) {
    resolution = Resolution::kYear;
  } else if (step == kDayS) {
    resolution = Resolution::kDay;
  } else if (step != kHourS) {
    return FieldError(file.name, rows[1].record->line, file.time.name,
                      "rows are " + Describe(step) +
                          " apart; only hourly, daily or yearly exports can be imported");
  }
  for (size_t i = 1; i < rows.size() && resolution != Resolution::kYear; ++i) {
    const int64_t diff = rows[i].start_s - rows[i - 1].start_s;
    if (diff != 0 && diff != step) {
      return FieldError(file.name, rows[i].record->line, file.time.name,
                        "'" + rows[i].record->fields[static_cast<size_t>(file.time.index)] +
                            "' comes " + Describe(diff) + " after the row before it (line " +
                            std::to_string(rows[i - 1].record->line) +
                            ") where the file's rows are otherwise " + Describe(step) +
                            " apart: mixed spacing or missing rows");
    }
  }
  const int64_t unit = resolution == Resolution::kDay ? kDayS : kHourS;
  for (const TimedRow& row : rows) {
    if (row.start_s % unit != 0) {
      return FieldError(file.name, row.record->line, file.time.name,
                        "'" + row.record->fields[static_cast<size_t>(file.time.index)] +
                            "' does not begin a whole " + std::string(ResolutionName(resolution)) +
                            " (UTC)");
    }
  }
  return resolution;
}

}  // namespace

Result<ImportedTable> ImportElectricityMaps(const ImportRequest& request) {
  std::vector<ParsedFile> files;
  std::map<std::string, Place> zones;
  for (const auto& path : request.files) {
    auto file = ReadExport(path);
    if (!file.ok()) return file.status();
    for (const Record& record : file->records) {
      const std::string& zone = record.fields[static_cast<size_t>(file->zone.index)];
      if (!ValidRegionCode(zone)) {
        return FieldError(file->name, record.line, file->zone.name,
                          "'" + zone + "' is not a zone code");
      }
      zones.try_emplace(zone, Place{file->name, record.line});
    }
    files.push_back(std::move(*file));
  }
  auto zone = ChooseRegion(zones, request.region, "Zone Id", request.files);
  if (!zone.ok()) return zone.status();

  ImportedTable table;
  std::optional<Resolution> resolution;
  std::string resolution_file;
  std::optional<RowCollector> rows;
  SkipList missing;
  int estimated = 0;
  for (const ParsedFile& file : files) {
    std::vector<TimedRow> timed;
    for (const Record& record : file.records) {
      if (record.fields[static_cast<size_t>(file.zone.index)] != *zone) continue;
      const std::string& text = record.fields[static_cast<size_t>(file.time.index)];
      int64_t start_s = 0;
      if (!ParseIsoTime(text, &start_s)) {
        return FieldError(file.name, record.line, file.time.name,
                          "'" + text + "' is not a time YYYY-MM-DD HH:MM:SS (UTC)");
      }
      timed.push_back({start_s, &record});
    }
    if (timed.empty()) continue;
    std::stable_sort(timed.begin(), timed.end(),
                     [](const TimedRow& a, const TimedRow& b) { return a.start_s < b.start_s; });
    auto file_resolution = FileResolution(file, timed, &table.notes);
    if (!file_resolution.ok()) return file_resolution.status();
    if (resolution && *resolution != *file_resolution) {
      return FieldError(file.name, timed[0].record->line, file.time.name,
                        "this file is " + Adjective(*file_resolution) + " but " + resolution_file +
                            " is " + Adjective(*resolution) + "; import them separately");
    }
    if (!resolution) {
      resolution = *file_resolution;
      resolution_file = file.name;
      rows.emplace(*zone, *resolution);
    }
    for (const TimedRow& row : timed) {
      const Place place{file.name, row.record->line};
      const std::string& cell = row.record->fields[static_cast<size_t>(file.value.index)];
      if (cell.empty()) {
        missing.Add(place);
        continue;
      }
      double value = 0;
      if (!ParseNumber(cell, false, &value) || value < 0) {
        return FieldError(file.name, row.record->line, file.value.name,
                          "'" + cell + "' is not a non-negative number");
      }
      if (Status added = rows->Add(row.start_s, value, place, file.time.name); !added.ok()) {
        return added;
      }
      if (file.estimated.index >= 0 &&
          static_cast<size_t>(file.estimated.index) < row.record->fields.size() &&
          NormalizeHeader(row.record->fields[static_cast<size_t>(file.estimated.index)]) ==
              "true") {
        ++estimated;
      }
    }
  }
  if (!rows || rows->size() == 0) {
    return Status::InvalidArgument(FileNames(request.files) + ": no rows with a value for zone " +
                                   *zone);
  }

  std::string suffix;
  if (*resolution == Resolution::kDay) suffix = "-daily";
  if (*resolution == Resolution::kYear) suffix = "-yearly";
  table.meta.id = TableId("electricitymaps-", *zone) + suffix;
  table.meta.version = request.version;
  table.meta.source = "Electricity Maps carbon intensity export, zone " + *zone + " (" +
                      FileNames(request.files) + ")";
  table.meta.licence = "as licensed to the user by Electricity Maps";
  table.meta.retrieved = request.retrieved;
  table.meta.basis = "average";
  table.meta.scope = "lifecycle";
  std::string notes = "Imported by kfm-energy carbon import from the lifecycle column ('" +
                      files.front().value.name +
                      "'): Electricity Maps' flow-traced, consumption-based average intensity, "
                      "gCO2eq/kWh, " +
                      std::string(ResolutionName(*resolution)) +
                      " resolution. Terms: those of the user's download (free data-portal "
                      "files have been published under ODbL; check yours).";
  if (missing.count() > 0) {
    const std::string note = missing.Note(std::string(ResolutionName(*resolution)) +
                                          "s without a value skipped (coarser tables apply)");
    table.notes.push_back(note);
    notes += " " + AsSentence(note);
  }
  if (estimated > 0) {
    const std::string note = std::to_string(estimated) + " of " + std::to_string(rows->size()) +
                             " values are estimates by Electricity Maps (Data estimated)";
    table.notes.push_back(note);
    notes += " " + AsSentence(note);
  }
  if (rows->identical_duplicates() > 0) {
    table.notes.push_back(std::to_string(rows->identical_duplicates()) +
                          " rows given twice with identical values, kept once");
  }
  table.meta.notes = notes;
  table.rows = rows->Rows();
  return table;
}

}  // namespace kfm::carbon::import_internal
