// The Carbon Aware SDK's JSON emissions file, as its JsonDataSource reads it
// ({"Emissions": [{"Location", "Time", "Rating", "Duration"}, ...]}), and the bare array of the
// same records that older SDK data files and the SDK's CLI and Web API emit. A record's Rating
// (gCO2e/kWh) holds for [Time, Time + Duration); each UTC hour gets the time-weighted mean of
// the records covering it, and only hours covered completely are imported.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "carbon/import_common.h"

namespace kfm::carbon::import_internal {
namespace {

constexpr int64_t kMaxDurationS = 366 * kDayS;

struct Record {
  std::string location;
  int64_t time_s = 0;
  int64_t duration_s = 0;
  double rating = 0;
  Place place;
  std::string at;  // "Emissions[3]", for messages
};

struct Piece {
  int64_t from, to;
  double rating;
  const Record* record;
};

// The member of `object` named `key` without regard to case (System.Text.Json is
// case-sensitive, the SDK's CLI output is camelCase and Newtonsoft, used by older SDKs, is not).
const nlohmann::json* Member(const nlohmann::json& object, std::string_view key) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (EqualsNoCase(it.key(), key)) return &it.value();
  }
  return nullptr;
}

// A .NET TimeSpan as System.Text.Json and Newtonsoft write it: [d.]hh:mm[:ss[.fffffff]].
bool ParseTimeSpan(std::string_view text, int64_t* seconds) {
  int64_t days = 0;
  const size_t colon = text.find(':');
  const size_t dot = text.find('.');
  if (dot != std::string_view::npos && dot < colon) {
    if (dot == 0 || dot > 8) return false;
    for (char c : text.substr(0, dot)) {
      if (c < '0' || c > '9') return false;
      days = days * 10 + (c - '0');
    }
    text.remove_prefix(dot + 1);
  }
  int64_t parts[3] = {0, 0, 0};
  int n = 0;
  size_t pos = 0;
  while (n < 3) {
    size_t digits = 0;
    int64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 2) {
      value = value * 10 + (text[pos++] - '0');
      ++digits;
    }
    if (digits == 0) return false;
    parts[n++] = value;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      continue;
    }
    break;
  }
  if (n < 2) return false;
  if (pos < text.size() && text[pos] == '.' && n == 3) {
    ++pos;
    if (pos == text.size()) return false;
    while (pos < text.size() && text[pos] == '0') ++pos;  // only whole seconds
  }
  if (pos != text.size() || parts[0] > 23 || parts[1] > 59 || parts[2] > 59) return false;
  *seconds = days * kDayS + parts[0] * kHourS + parts[1] * 60 + parts[2];
  return true;
}

Status ReadFile(const std::filesystem::path& path, std::vector<Record>* records,
                std::map<std::string, Place>* locations) {
  auto text = ReadFileText(path);
  if (!text.ok()) return text.status();
  const std::string name = path.string();
  std::string_view body = *text;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return FieldError(name, LineOfOffset(body, e.byte), "",
                      std::string("not valid JSON: ") + e.what());
  } catch (const nlohmann::json::exception& e) {  // e.g. a number out of range
    return FieldError(name, 0, "", std::string("not valid JSON: ") + e.what());
  }

  const nlohmann::json* emissions = &doc;
  std::string array_name = "";
  std::vector<std::string> path_to_array;
  if (doc.is_object()) {
    emissions = Member(doc, "Emissions");
    if (emissions == nullptr || !emissions->is_array()) {
      return FieldError(name, 1, "Emissions",
                        "missing or not an array: expected {\"Emissions\": [{\"Location\", "
                        "\"Time\", \"Rating\", \"Duration\"}, ...]} (the Carbon Aware SDK's JSON "
                        "data source file)");
    }
    array_name = "Emissions";
    path_to_array = {array_name};
  } else if (!doc.is_array()) {
    return FieldError(name, 1, "", "expected an object with \"Emissions\" or an array of records");
  }
  const std::vector<int> lines = JsonArrayElementLines(body, path_to_array);
  for (size_t i = 0; i < emissions->size(); ++i) {
    const nlohmann::json& item = (*emissions)[i];
    Record record;
    record.at = array_name + "[" + std::to_string(i) + "]";
    record.place = Place{name, i < lines.size() ? lines[i] : 0};
    auto error = [&](std::string_view field, const std::string& what) {
      return FieldError(name, record.place.line, record.at + "." + std::string(field), what);
    };
    if (!item.is_object()) return error("", "not an object");
    const nlohmann::json* location = Member(item, "Location");
    const nlohmann::json* time = Member(item, "Time");
    const nlohmann::json* rating = Member(item, "Rating");
    const nlohmann::json* duration = Member(item, "Duration");
    if (location == nullptr || !location->is_string() ||
        !ValidRegionCode(location->get<std::string>())) {
      return error("Location", "missing or not a location name");
    }
    record.location = location->get<std::string>();
    if (time == nullptr || !time->is_string() ||
        !ParseIsoTime(time->get<std::string>(), &record.time_s)) {
      return error("Time", (time == nullptr ? std::string("missing") : "'" + time->dump() + "'") +
                               ": expected a time like 2026-11-30T05:00:00+00:00");
    }
    if (rating == nullptr || !rating->is_number() || !std::isfinite(rating->get<double>()) ||
        rating->get<double>() < 0) {
      return error("Rating", (rating == nullptr ? std::string("missing") : rating->dump()) +
                                 ": expected a non-negative number (gCO2e/kWh)");
    }
    record.rating = rating->get<double>();
    if (duration == nullptr || !duration->is_string() ||
        !ParseTimeSpan(duration->get<std::string>(), &record.duration_s) ||
        record.duration_s <= 0 || record.duration_s > kMaxDurationS) {
      return error("Duration",
                   (duration == nullptr ? std::string("missing") : duration->dump()) +
                       ": expected a positive time span hh:mm[:ss] or d.hh:mm:ss, up to 366 days");
    }
    locations->try_emplace(record.location, record.place);
    records->push_back(std::move(record));
  }
  return Status::Ok();
}

}  // namespace

Result<ImportedTable> ImportCarbonAware(const ImportRequest& request) {
  std::vector<Record> records;
  std::map<std::string, Place> locations;
  for (const auto& path : request.files) {
    if (Status s = ReadFile(path, &records, &locations); !s.ok()) return s;
  }
  auto location = ChooseRegion(locations, request.region, "Location", request.files);
  if (!location.ok()) return location.status();

  // Each record's span, cut at UTC hour boundaries.
  std::map<int64_t, std::vector<Piece>> hours;
  for (const Record& r : records) {
    if (r.location != *location) continue;
    const int64_t end = r.time_s + r.duration_s;
    const int64_t first_hour = r.time_s - (((r.time_s % kHourS) + kHourS) % kHourS);
    for (int64_t hour = first_hour; hour < end; hour += kHourS) {
      hours[hour].push_back({std::max(r.time_s, hour), std::min(end, hour + kHourS), r.rating, &r});
    }
  }
  RowCollector rows(*location, Resolution::kHour);
  SkipList partial;
  int identical = 0, blended = 0;
  for (auto& [hour, pieces] : hours) {
    std::stable_sort(pieces.begin(), pieces.end(),
                     [](const Piece& a, const Piece& b) { return a.from < b.from; });
    double weighted = 0;
    int64_t covered = 0;
    const Piece* previous = nullptr;
    for (const Piece& p : pieces) {
      if (previous != nullptr && p.from < previous->to) {
        if (p.from == previous->from && p.to == previous->to && p.rating == previous->rating) {
          ++identical;
          continue;
        }
        std::ostringstream what;
        what << "covers " << FormatUtcSeconds(p.from) << " with Rating " << p.rating
             << ", overlapping " << previous->record->place.str() << " (" << previous->record->at
             << ", Rating " << previous->rating << ")";
        return FieldError(p.record->place.file, p.record->place.line, p.record->at + ".Time",
                          what.str());
      }
      weighted += p.rating * static_cast<double>(p.to - p.from);
      covered += p.to - p.from;
      previous = &p;
    }
    if (covered < kHourS) {
      partial.Add(pieces.front().record->place);
      continue;
    }
    if (pieces.size() > 1) ++blended;
    const Record& first = *pieces.front().record;
    if (Status s =
            rows.Add(hour, weighted / static_cast<double>(kHourS), first.place, first.at + ".Time");
        !s.ok()) {
      return s;
    }
  }
  if (rows.size() == 0) {
    return Status::InvalidArgument(FileNames(request.files) +
                                   ": no UTC hour fully covered by the records of " + *location);
  }

  ImportedTable table;
  table.meta.id = TableId("carbon-aware-", *location);
  table.meta.version = request.version;
  table.meta.source = "Carbon Aware SDK JSON emissions data, location " + *location + " (" +
                      FileNames(request.files) + ")";
  table.meta.licence = "as licensed by the data provider";
  table.meta.retrieved = request.retrieved;
  table.meta.basis = "average";
  table.meta.scope = "lifecycle";
  if (partial.count() > 0) {
    table.notes.push_back(partial.Note("hours only partly covered by records skipped"));
  }
  if (blended > 0) {
    table.notes.push_back(std::to_string(blended) +
                          " hours are time-weighted means of several records");
  }
  if (identical > 0) {
    table.notes.push_back(std::to_string(identical) +
                          " records given twice with identical values, kept once");
  }
  table.notes.push_back(
      "the file does not say which provider computed the ratings: recorded as basis average, "
      "scope lifecycle (as Electricity Maps' default); WattTime-sourced ratings are marginal "
      "(MOER) - if yours are, this table's basis is wrong");
  std::string notes =
      "Imported by kfm-energy carbon import: each UTC hour is the time-weighted mean Rating "
      "(gCO2e/kWh) of the records covering it; hours not fully covered are skipped.";
  for (const std::string& note : table.notes) notes += " " + AsSentence(note);
  table.meta.notes = notes;
  table.rows = rows.Rows();
  return table;
}

}  // namespace kfm::carbon::import_internal
