// What the three carbon importers share beyond reading text (import_text.h): the choice of
// region, the collection of rows with duplicate checks, notes on what was skipped, and the
// table id. Internal to src/carbon/; the public entry point is carbon/importers.h. Plain
// functions and values, thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "carbon/import_text.h"
#include "carbon/importers.h"
#include "carbon/table.h"
#include "kfm/status.h"

namespace kfm::carbon::import_internal {

// The per-format importers, called by ImportFiles.
Result<ImportedTable> ImportElectricityMaps(const ImportRequest& request);
Result<ImportedTable> ImportEia930(const ImportRequest& request);
Result<ImportedTable> ImportCarbonAware(const ImportRequest& request);

// Where a value came from, for messages.
struct Place {
  std::string file;
  int line = 0;
  [[nodiscard]] std::string str() const { return file + ":" + std::to_string(line); }
};

// The region to import: `requested` (matched without regard to case, returned as the file
// spells it) or, when empty, the only one seen. `seen` maps each region to its first place;
// `files` name the input when it holds no rows at all.
Result<std::string> ChooseRegion(const std::map<std::string, Place>& seen,
                                 const std::string& requested, std::string_view field,
                                 const std::vector<std::filesystem::path>& files);

// Rows of one region and resolution, keyed by start. A second value for a start is dropped
// when identical and refused, naming both places, when not.
class RowCollector {
 public:
  RowCollector(std::string region, Resolution resolution)
      : region_(std::move(region)), resolution_(resolution) {}
  Status Add(int64_t start_s, double gco2e_per_kwh, const Place& place, std::string_view field);
  [[nodiscard]] size_t size() const { return values_.size(); }
  [[nodiscard]] int identical_duplicates() const { return identical_duplicates_; }
  [[nodiscard]] std::vector<Row> Rows() const;

 private:
  struct Entry {
    double value;
    Place place;
  };
  std::string region_;
  Resolution resolution_;
  std::map<int64_t, Entry> values_;
  int identical_duplicates_ = 0;
};

// Places of skipped hours, summarised in one note: "<what>: 3 (a.csv:5, a.csv:9, b.csv:2)"
// (file names without their directories: the note goes into the table's metadata).
class SkipList {
 public:
  void Add(const Place& place) {
    if (places_.size() < kShown) {
      places_.push_back(std::filesystem::path(place.file).filename().string() + ":" +
                        std::to_string(place.line));
    }
    ++count_;
  }
  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] std::string Note(const std::string& what) const;

 private:
  static constexpr size_t kShown = 8;
  std::vector<std::string> places_;
  int count_ = 0;
};

// "electricitymaps-" + "US-CENT-SWPP" -> "electricitymaps-us-cent-swpp": lower case, any
// character outside [a-z0-9._-] as '-'.
std::string TableId(std::string_view prefix, std::string_view provider_code);
// `note` as a sentence for TableMeta::notes: capital first letter, full stop.
std::string AsSentence(const std::string& note);
// "a.csv, b.csv" (file names only).
std::string FileNames(const std::vector<std::filesystem::path>& files);
// A region code the values file can hold: not empty, no comma, quote or control character,
// no space at either end.
bool ValidRegionCode(std::string_view code);

}  // namespace kfm::carbon::import_internal
