#include "idx_inventory.h"

#include <charconv>
#include <sstream>

namespace kfm::jobs::hrrr {
namespace {

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool ParseOffset(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size() && *out >= 0;
}

bool ValidNumber(const std::string& text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (char c : text)
    if ((c < '0' || c > '9') && c != '.') return false;
  return true;
}

}  // namespace

bool VariableSelector::Matches(const std::string& entry_name, const std::string& entry_level,
                               const std::string& entry_forecast) const {
  return entry_name == name && entry_level == level && (!forecast || *forecast == entry_forecast);
}

Result<VariableSelector> ParseSelector(const std::string& text) {
  const auto parts = Split(text, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
      (parts.size() == 3 && parts[2].empty())) {
    return Status::InvalidArgument("--var '" + text +
                                   "': expected NAME:level[:forecast] as in the .idx, e.g. "
                                   "'TMP:2 m above ground'");
  }
  VariableSelector selector{parts[0], parts[1], std::nullopt, text};
  if (parts.size() == 3) selector.forecast = parts[2];
  return selector;
}

Result<std::vector<IdxEntry>> ParseIdx(const std::string& text, const std::string& source) {
  std::vector<IdxEntry> entries;
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = source + ":" + std::to_string(line_number) + ": ";
    const auto fields = Split(line, ':');
    // number:offset:d=date:name:level:forecast: (and, in some inventories, more fields).
    if (fields.size() < 6) {
      return Status::InvalidArgument(where +
                                     "expected number:offset:d=date:name:level:forecast:"
                                     ", got '" +
                                     line + "'");
    }
    IdxEntry entry;
    entry.line = line_number;
    entry.number = fields[0];
    entry.text = line;
    if (!ValidNumber(entry.number))
      return Status::InvalidArgument(where + "field 1 (message number) '" + fields[0] + "'");
    if (!ParseOffset(fields[1], &entry.offset))
      return Status::InvalidArgument(where + "field 2 (byte offset) '" + fields[1] + "'");
    if (fields[2].rfind("d=", 0) != 0 || fields[2].size() < 12)
      return Status::InvalidArgument(where + "field 3 (reference time d=YYYYMMDDHH) '" + fields[2] +
                                     "'");
    entry.date = fields[2].substr(2);
    entry.name = fields[3];
    entry.level = fields[4];
    entry.forecast = fields[5];
    if (entry.name.empty())
      return Status::InvalidArgument(where + "field 4 (variable name) is empty");
    if (!entries.empty() && entry.offset < entries.back().offset) {
      return Status::InvalidArgument(where + "field 2 (byte offset) " + fields[1] +
                                     " is before the previous message's " +
                                     std::to_string(entries.back().offset));
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) return Status::InvalidArgument(source + ": no messages in the inventory");
  return entries;
}

Result<size_t> FindEntry(const std::vector<IdxEntry>& entries, const VariableSelector& selector,
                         const std::string& source) {
  std::vector<size_t> hits;
  for (size_t k = 0; k < entries.size(); ++k)
    if (selector.Matches(entries[k].name, entries[k].level, entries[k].forecast)) hits.push_back(k);
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) {
    std::string same_name;
    for (const auto& e : entries) {
      if (e.name != selector.name) continue;
      same_name += (same_name.empty() ? "" : ", ") + ("'" + e.name + ":" + e.level + "'");
    }
    return Status::NotFound(source + ": no message '" + selector.text + "' in the inventory (" +
                            std::to_string(entries.size()) + " messages" +
                            (same_name.empty() ? "" : "; " + selector.name + " at " + same_name) +
                            ")");
  }
  std::string lines;
  for (size_t k : hits)
    lines += "\n  line " + std::to_string(entries[k].line) + ": " + entries[k].text;
  return Status::InvalidArgument(
      source + ": '" + selector.text + "' matches " + std::to_string(hits.size()) +
      " messages; add the forecast field (NAME:level:forecast):" + lines);
}

ByteRange RangeOf(const std::vector<IdxEntry>& entries, size_t index) {
  ByteRange range{entries[index].offset, std::nullopt};
  for (size_t k = index + 1; k < entries.size(); ++k) {
    if (entries[k].offset > entries[index].offset) {
      range.last = entries[k].offset - 1;
      break;
    }
  }
  return range;
}

}  // namespace kfm::jobs::hrrr
