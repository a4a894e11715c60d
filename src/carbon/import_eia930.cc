// EIA-930 hourly net generation by energy source, per balancing authority, from the Hourly
// Electric Grid Monitor's six-month bulk files (EIA930_BALANCE_<year>_<Jan_Jun|Jul_Dec>.csv)
// or an EIA API v2 electricity/rto/fuel-type-data JSON response. Each hour's intensity is the
// generation-weighted mean of the per-fuel factors in fuel_factors.h.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "carbon/fuel_factors.h"
#include "carbon/import_common.h"

namespace kfm::carbon::import_internal {
namespace {

constexpr std::string_view kBaColumn = "balancing authority";
constexpr std::string_view kEndColumn = "utc time at end of hour";
constexpr std::string_view kFuelPrefix = "net generation (mw) from ";

// An energy source of the bulk files' "Net Generation (MW) from <source>" columns. `fuel`
// empty: storage, left out of the mix. A `combined` column (older files) gives way to the
// finer columns of the same fuel where a file has those.
struct SourceColumn {
  std::string_view source;
  std::optional<Fuel> fuel;
  bool combined = false;
};

constexpr SourceColumn kSourceColumns[] = {
    {"coal", Fuel::kCoal},
    {"natural gas", Fuel::kNaturalGas},
    {"nuclear", Fuel::kNuclear},
    {"all petroleum products", Fuel::kPetroleum},
    {"hydropower and pumped storage", Fuel::kHydro, true},
    {"hydropower excluding pumped storage", Fuel::kHydro},
    {"pumped storage", std::nullopt},
    {"solar", Fuel::kSolar, true},
    {"solar without integrated battery storage", Fuel::kSolar},
    {"solar with integrated battery storage", Fuel::kSolar},
    {"solar witho integrated battery storage", Fuel::kSolar},  // sic, in EIA's headers
    {"wind", Fuel::kWind, true},
    {"wind without integrated battery storage", Fuel::kWind},
    {"wind with integrated battery storage", Fuel::kWind},
    {"battery storage", std::nullopt},
    {"other energy storage", std::nullopt},
    {"unknown energy storage", std::nullopt},
    {"geothermal", Fuel::kGeothermal},
    {"other fuel sources", Fuel::kOther},
    {"unknown fuel sources", Fuel::kUnknown},
};

// EIA API v2 fueltype codes.
struct FuelCode {
  std::string_view code;
  std::optional<Fuel> fuel;
};
constexpr FuelCode kFuelCodes[] = {
    {"COL", Fuel::kCoal},      {"NG", Fuel::kNaturalGas},  {"NUC", Fuel::kNuclear},
    {"OIL", Fuel::kPetroleum}, {"WAT", Fuel::kHydro},      {"SUN", Fuel::kSolar},
    {"WND", Fuel::kWind},      {"GEO", Fuel::kGeothermal}, {"OTH", Fuel::kOther},
    {"UNK", Fuel::kUnknown},   {"BAT", std::nullopt},      {"PS", std::nullopt},
};

// One hour's mix: generation-weighted factors over fuels with generation > 0.
struct HourMix {
  double weighted = 0;  // sum of MWh x gCO2e/kWh
  double total_mwh = 0;
  bool reported = false;
  int negatives = 0;
  Place place;

  void Add(Fuel fuel, double mwh) {
    reported = true;
    if (mwh < 0) ++negatives;
    if (mwh <= 0) return;
    weighted += mwh * FactorOf(fuel).gco2e_per_kwh;
    total_mwh += mwh;
  }
};

struct Outcome {
  SkipList not_reported, zero_total;
  int negatives = 0;
};

Status AddHour(int64_t end_s, const HourMix& mix, std::string_view time_field, RowCollector* rows,
               Outcome* outcome) {
  if (!mix.reported) {
    outcome->not_reported.Add(mix.place);
    return Status::Ok();
  }
  outcome->negatives += mix.negatives;
  if (mix.total_mwh <= 0) {
    outcome->zero_total.Add(mix.place);
    return Status::Ok();
  }
  return rows->Add(end_s - kHourS, mix.weighted / mix.total_mwh, mix.place, time_field);
}

Status CheckHourEnd(int64_t end_s, const std::string& text, const Place& place,
                    std::string_view field) {
  if (end_s % kHourS != 0) {
    return FieldError(place.file, place.line, field, "'" + text + "' is not on the hour");
  }
  return Status::Ok();
}

// ---- Bulk CSV ----

struct FuelColumn {
  size_t index;
  std::string name;
  Fuel fuel;
};

struct BulkLayout {
  size_t ba = 0, end = 0;
  std::string end_name;
  std::vector<FuelColumn> fuels;
  std::string series;
};

Result<BulkLayout> ReadHeader(const std::vector<std::string>& header, const std::string& file,
                              int line) {
  BulkLayout layout;
  std::optional<size_t> ba, end;
  struct Candidate {
    FuelColumn column;
    std::string variant;  // "", "adjusted" or "imputed"
    bool combined;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string key = NormalizeHeader(header[i]);
    if (key == kBaColumn) ba = i;
    if (key == kEndColumn) {
      end = i;
      layout.end_name = header[i];
    }
    if (key.rfind(kFuelPrefix, 0) != 0) continue;
    std::string source = key.substr(kFuelPrefix.size());
    std::string variant;
    for (std::string_view suffix : {" (adjusted)", " (imputed)"}) {
      if (source.size() > suffix.size() &&
          source.compare(source.size() - suffix.size(), suffix.size(), suffix) == 0) {
        variant = std::string(suffix.substr(2, suffix.size() - 3));
        source.resize(source.size() - suffix.size());
      }
    }
    const auto known = std::find_if(std::begin(kSourceColumns), std::end(kSourceColumns),
                                    [&](const SourceColumn& c) { return c.source == source; });
    if (known == std::end(kSourceColumns)) {
      return FieldError(file, line, header[i],
                        "no emission factor for this energy source (see "
                        "src/carbon/fuel_factors.h); kfm-energy needs updating for it");
    }
    if (!known->fuel) continue;  // storage
    candidates.push_back({{i, header[i], *known->fuel}, variant, known->combined});
  }
  if (!ba) return FieldError(file, line, "Balancing Authority", "column missing from the header");
  if (!end) {
    return FieldError(file, line, "UTC Time at End of Hour", "column missing from the header");
  }
  // EIA's "Adjusted" series is the reported one with its imputations for missing or
  // anomalous values; it is read where the file has it.
  const bool adjusted = std::any_of(candidates.begin(), candidates.end(),
                                    [](const Candidate& c) { return c.variant == "adjusted"; });
  const std::string variant = adjusted ? "adjusted" : "";
  for (const Candidate& c : candidates) {
    if (c.variant != variant) continue;
    const bool superseded =
        c.combined &&
        std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& other) {
          return other.variant == variant && !other.combined && other.column.fuel == c.column.fuel;
        });
    if (!superseded) layout.fuels.push_back(c.column);
  }
  if (layout.fuels.empty()) {
    return FieldError(file, line, "Net Generation (MW) from Coal",
                      "no 'Net Generation (MW) from <energy source>' columns (is this an "
                      "EIA930_BALANCE file?)");
  }
  layout.ba = *ba;
  layout.end = *end;
  layout.series = adjusted ? "the (Adjusted) columns" : "the reported columns";
  return layout;
}

struct BulkFile {
  std::string name;
  std::string text;
  BulkLayout layout;
};

Status ScanBulk(BulkFile* file, std::map<std::string, Place>* regions) {
  CsvReader reader(file->text, file->name);
  if (!reader.Next()) {
    return reader.status().ok() ? FieldError(file->name, 0, "", "empty file, no header")
                                : reader.status();
  }
  auto layout = ReadHeader(reader.fields(), file->name, reader.line());
  if (!layout.ok()) return layout.status();
  file->layout = std::move(*layout);
  while (reader.Next()) {
    if (reader.fields().size() <= file->layout.ba) {
      return FieldError(file->name, reader.line(), "",
                        "found only " + std::to_string(reader.fields().size()) + " fields");
    }
    const std::string& ba = reader.fields()[file->layout.ba];
    if (!ValidRegionCode(ba)) {
      return FieldError(file->name, reader.line(), "Balancing Authority",
                        "'" + ba + "' is not a balancing authority code");
    }
    regions->try_emplace(ba, Place{file->name, reader.line()});
  }
  return reader.status();
}

Status ImportBulk(const BulkFile& file, const std::string& ba, RowCollector* rows,
                  Outcome* outcome) {
  CsvReader reader(file.text, file.name);
  reader.Next();  // the header, read before
  const BulkLayout& layout = file.layout;
  size_t needed = layout.end;
  for (const FuelColumn& f : layout.fuels) needed = std::max(needed, f.index);
  while (reader.Next()) {
    const auto& fields = reader.fields();
    if (fields[layout.ba] != ba) continue;
    const Place place{file.name, reader.line()};
    if (fields.size() <= needed) {
      return FieldError(file.name, reader.line(), "",
                        "expected " + std::to_string(needed + 1) + " or more fields, found " +
                            std::to_string(fields.size()));
    }
    const std::string& when = fields[layout.end];
    int64_t end_s = 0;
    if (!ParseUsTime(when, &end_s) && !ParseIsoTime(when, &end_s)) {
      return FieldError(file.name, reader.line(), layout.end_name,
                        "'" + when + "' is not a time M/D/YYYY H:MM:SS AM|PM (UTC)");
    }
    if (Status s = CheckHourEnd(end_s, when, place, layout.end_name); !s.ok()) return s;
    HourMix mix;
    mix.place = place;
    for (const FuelColumn& f : layout.fuels) {
      const std::string& cell = fields[f.index];
      if (cell.empty()) continue;  // not reported for this source
      double mwh = 0;
      if (!ParseNumber(cell, true, &mwh)) {
        return FieldError(file.name, reader.line(), f.name, "'" + cell + "' is not a number");
      }
      mix.Add(f.fuel, mwh);  // MW averaged over one hour = MWh
    }
    if (Status s = AddHour(end_s, mix, layout.end_name, rows, outcome); !s.ok()) return s;
  }
  return reader.status();
}

// ---- API v2 JSON ----

struct ApiRecord {
  std::string respondent, period, fueltype;
  std::optional<double> mwh;
  Place place;
  std::string at;  // "response.data[3].", for messages
};

std::string Lowered(std::string_view text) { return NormalizeHeader(text); }

Result<std::vector<ApiRecord>> ReadApi(const std::string& name, const std::string& text,
                                       std::map<std::string, Place>* regions) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return FieldError(name, LineOfOffset(text, e.byte), "",
                      std::string("not valid JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {  // e.g. a number out of range
    return FieldError(name, 0, "", std::string("not valid JSON: ") + e.what());
  }

  if (!doc.is_object() || !doc.contains("response") || !doc["response"].is_object() ||
      !doc["response"].contains("data") || !doc["response"]["data"].is_array()) {
    return FieldError(name, 1, "response.data",
                      "missing: expected an EIA API v2 response {\"response\": {\"data\": [...]}}");
  }
  const nlohmann::json& response = doc["response"];
  if (response.contains("frequency") && response["frequency"].is_string()) {
    const std::string frequency = response["frequency"].get<std::string>();
    if (frequency != "hourly" && frequency != "local-hourly") {
      return FieldError(name, 1, "response.frequency",
                        "'" + frequency + "': only hourly data can be imported");
    }
  }
  const std::vector<int> lines = JsonArrayElementLines(text, {"response", "data"});
  std::vector<ApiRecord> records;
  const nlohmann::json& data = response["data"];
  for (size_t i = 0; i < data.size(); ++i) {
    const int line = i < lines.size() ? lines[i] : 0;
    const std::string at = "response.data[" + std::to_string(i) + "].";
    const nlohmann::json& item = data[i];
    ApiRecord record;
    record.place = Place{name, line};
    record.at = at;
    for (auto [key, out] :
         {std::pair{"respondent", &record.respondent}, std::pair{"period", &record.period},
          std::pair{"fueltype", &record.fueltype}}) {
      if (!item.is_object() || !item.contains(key) || !item[key].is_string()) {
        return FieldError(name, line, at + key, "missing or not a string");
      }
      *out = item[key].get<std::string>();
    }
    if (item.contains("value-units") && item["value-units"].is_string() &&
        Lowered(item["value-units"].get<std::string>()) != "megawatthours") {
      return FieldError(name, line, at + "value-units",
                        "'" + item["value-units"].get<std::string>() + "': expected megawatthours");
    }
    if (item.contains("value") && !item["value"].is_null()) {
      const nlohmann::json& value = item["value"];
      double mwh = 0;
      if (value.is_number()) {
        mwh = value.get<double>();
      } else if (!value.is_string() || !ParseNumber(value.get<std::string>(), true, &mwh)) {
        return FieldError(name, line, at + "value", "'" + value.dump() + "' is not a number");
      }
      record.mwh = mwh;
    }
    if (!ValidRegionCode(record.respondent)) {
      return FieldError(name, line, at + "respondent",
                        "'" + record.respondent + "' is not a balancing authority code");
    }
    regions->try_emplace(record.respondent, record.place);
    records.push_back(std::move(record));
  }
  return records;
}

Status ImportApi(const std::vector<ApiRecord>& records, const std::string& ba, RowCollector* rows,
                 Outcome* outcome) {
  struct Hour {
    HourMix mix;
    std::map<std::string, std::pair<std::optional<double>, Place>> seen;
  };
  std::map<int64_t, Hour> hours;
  for (const ApiRecord& r : records) {
    if (r.respondent != ba) continue;
    // "2026-11-30T05" (UTC) or "2026-11-30T05-06" (local-hourly, with its offset).
    int64_t end_s = 0;
    const bool parsed = r.period.size() >= 13 &&
                        ParseIsoTime(r.period.substr(0, 13) + ":00" + r.period.substr(13), &end_s);
    if (!parsed) {
      return FieldError(r.place.file, r.place.line, r.at + "period",
                        "'" + r.period + "' is not an hour YYYY-MM-DDTHH");
    }
    const auto code = std::find_if(std::begin(kFuelCodes), std::end(kFuelCodes),
                                   [&](const FuelCode& c) { return c.code == r.fueltype; });
    if (code == std::end(kFuelCodes)) {
      return FieldError(r.place.file, r.place.line, r.at + "fueltype",
                        "'" + r.fueltype +
                            "': no emission factor for this code (known: COL NG NUC OIL WAT SUN "
                            "WND GEO OTH UNK, storage BAT PS)");
    }
    Hour& hour = hours[end_s];
    if (hour.seen.empty()) hour.mix.place = r.place;
    const auto [it, inserted] = hour.seen.try_emplace(r.fueltype, r.mwh, r.place);
    if (!inserted) {
      if (it->second.first == r.mwh) continue;
      return FieldError(r.place.file, r.place.line, r.at + "value",
                        r.fueltype + " for " + r.period +
                            " is given twice with different "
                            "values (also at " +
                            it->second.second.str() + ")");
    }
    if (code->fuel && r.mwh) hour.mix.Add(*code->fuel, *r.mwh);
  }
  for (const auto& [end_s, hour] : hours) {
    if (Status s = AddHour(end_s, hour.mix, "period", rows, outcome); !s.ok()) return s;
  }
  return Status::Ok();
}

bool LooksLikeJson(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

std::string FactorList() {
  std::ostringstream list;
  for (const FuelFactor& f : kFuelFactors) {
    list << (f.fuel == kFuelFactors.front().fuel ? "" : ", ") << f.name << " " << f.gco2e_per_kwh;
  }
  return list.str();
}

}  // namespace

Result<ImportedTable> ImportEia930(const ImportRequest& request) {
  std::vector<BulkFile> bulk;
  std::vector<std::vector<ApiRecord>> api;
  std::map<std::string, Place> regions;
  for (const auto& path : request.files) {
    auto text = ReadFileText(path);
    if (!text.ok()) return text.status();
    if (LooksLikeJson(*text)) {
      auto records = ReadApi(path.string(), *text, &regions);
      if (!records.ok()) return records.status();
      api.push_back(std::move(*records));
      continue;
    }
    BulkFile file{path.string(), std::move(*text), {}};
    if (Status s = ScanBulk(&file, &regions); !s.ok()) return s;
    bulk.push_back(std::move(file));
  }
  auto ba = ChooseRegion(regions, request.region, "Balancing Authority", request.files);
  if (!ba.ok()) return ba.status();

  RowCollector rows(*ba, Resolution::kHour);
  Outcome outcome;
  for (const BulkFile& file : bulk) {
    if (Status s = ImportBulk(file, *ba, &rows, &outcome); !s.ok()) return s;
  }
  for (const auto& records : api) {
    if (Status s = ImportApi(records, *ba, &rows, &outcome); !s.ok()) return s;
  }
  if (rows.size() == 0) {
    return Status::InvalidArgument(FileNames(request.files) +
                                   ": no hour with generation by fuel for " + *ba);
  }

  ImportedTable table;
  table.meta.id = TableId("eia930-", *ba);
  table.meta.version = request.version;
  table.meta.source =
      "U.S. Energy Information Administration, Form EIA-930 hourly net generation by energy "
      "source, balancing authority " +
      *ba + " (" + FileNames(request.files) + "); intensity derived by kfm-energy with " +
      std::string(kFuelFactorsSource);
  table.meta.licence = "public domain (U.S. Government work, EIA)";
  table.meta.retrieved = request.retrieved;
  table.meta.basis = "average";
  table.meta.scope = "lifecycle";
  std::string notes =
      "Each hour (EIA's hour ending, moved to its start): sum of MWh x factor over sum of MWh "
      "of the fuels with net generation > 0 in the balancing authority (production-based: "
      "imports and exports are not traced; negative net generation counts as 0; storage is "
      "left out). Factors, gCO2e/kWh: " +
      FactorList() + ". See docs/reference/carbon-import.md.";
  for (const BulkFile& file : bulk) {
    notes += " " + std::filesystem::path(file.name).filename().string() + ": read " +
             file.layout.series + ".";
  }
  if (outcome.not_reported.count() > 0) {
    table.notes.push_back(
        outcome.not_reported.Note("hours without any generation by fuel skipped"));
  }
  if (outcome.zero_total.count() > 0) {
    table.notes.push_back(outcome.zero_total.Note("hours with zero total generation skipped"));
  }
  if (outcome.negatives > 0) {
    table.notes.push_back(std::to_string(outcome.negatives) +
                          " negative net generation values counted as 0");
  }
  if (rows.identical_duplicates() > 0) {
    table.notes.push_back(std::to_string(rows.identical_duplicates()) +
                          " hours given twice with identical values, kept once");
  }
  for (const std::string& note : table.notes) notes += " " + AsSentence(note);
  table.meta.notes = notes;
  table.rows = rows.Rows();
  return table;
}

}  // namespace kfm::carbon::import_internal
