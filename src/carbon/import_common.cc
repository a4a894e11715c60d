#include "carbon/import_common.h"

#include <algorithm>
#include <sstream>

namespace kfm::carbon::import_internal {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

Result<std::string> ChooseRegion(const std::map<std::string, Place>& seen,
                                 const std::string& requested, std::string_view field,
                                 const std::vector<std::filesystem::path>& files) {
  std::string listed;
  for (const auto& [region, place] : seen) listed += (listed.empty() ? "" : ", ") + region;
  if (seen.empty()) return Status::InvalidArgument(FileNames(files) + ": no data rows");
  const Place& first = seen.begin()->second;
  if (!requested.empty()) {
    for (const auto& [region, place] : seen) {
      if (EqualsNoCase(region, requested)) return region;
    }
    return FieldError(first.file, first.line, field,
                      "region '" + requested + "' is not in the input; it holds: " + listed);
  }
  if (seen.size() > 1) {
    return FieldError(first.file, first.line, field,
                      "the input holds " + std::to_string(seen.size()) +
                          " regions; choose one with --region: " + listed);
  }
  return seen.begin()->first;
}

Status RowCollector::Add(int64_t start_s, double gco2e_per_kwh, const Place& place,
                         std::string_view field) {
  const auto [it, inserted] = values_.try_emplace(start_s, Entry{gco2e_per_kwh, place});
  if (inserted) return Status::Ok();
  if (it->second.value == gco2e_per_kwh) {
    ++identical_duplicates_;
    return Status::Ok();
  }
  std::ostringstream what;
  what << "the " << ResolutionName(resolution_) << " " << FormatUtcSeconds(start_s) << " of "
       << region_ << " is given twice with different values: " << it->second.value << " at "
       << it->second.place.str() << " and " << gco2e_per_kwh << " here";
  return FieldError(place.file, place.line, field, what.str());
}

std::vector<Row> RowCollector::Rows() const {
  std::vector<Row> rows;
  rows.reserve(values_.size());
  for (const auto& [start, entry] : values_) {
    rows.push_back(Row{region_, Period{start, resolution_, entry.value}});
  }
  return rows;
}

std::string SkipList::Note(const std::string& what) const {
  std::string note = what + ": " + std::to_string(count_) + " (";
  for (size_t i = 0; i < places_.size(); ++i) note += (i ? ", " : "") + places_[i];
  if (static_cast<size_t>(count_) > places_.size()) note += ", ...";
  return note + ")";
}

std::string TableId(std::string_view prefix, std::string_view provider_code) {
  std::string id(prefix);
  for (char c : provider_code) {
    c = Lower(c);
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    id += ok ? c : '-';
  }
  return id.substr(0, 128);
}

std::string AsSentence(const std::string& note) {
  if (note.empty()) return note;
  std::string sentence = note;
  if (sentence[0] >= 'a' && sentence[0] <= 'z')
    sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
  if (sentence.back() != '.') sentence += '.';
  return sentence;
}

std::string FileNames(const std::vector<std::filesystem::path>& files) {
  std::string names;
  for (const auto& file : files) names += (names.empty() ? "" : ", ") + file.filename().string();
  return names;
}

bool ValidRegionCode(std::string_view code) {
  if (code.empty() || code.size() > 128 || code.front() == ' ' || code.back() == ' ') {
    return false;
  }
  return std::none_of(code.begin(), code.end(), [](char c) {
    return c == ',' || c == '"' || static_cast<unsigned char>(c) < 0x20;
  });
}

}  // namespace kfm::carbon::import_internal
