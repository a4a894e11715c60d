// All intensity tables a run may use — the shipped ones compiled into the binary, those in
// `$KFM_HOME/carbon/`, and those on `KFM_CARBON_TABLES` — and the one lookup rule over them:
// for a region (or any alias of it) and an instant, an hourly figure, else daily, else
// annual (the latest year also stands for the years after it), else the region's static
// worst case. Where tables overlap, the finer resolution wins, then the newer version, then
// the table loaded later. Immutable after loading; thread-safe to share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carbon/table.h"
#include "kfm/status.h"
#include "kfm/units.h"

namespace kfm::carbon {

inline constexpr const char kDefaultRegion[] = "SPP_KS";

// One file compiled in from data/carbon/ (see src/carbon/CMakeLists.txt).
struct EmbeddedTableFile {
  std::string_view name;
  std::string_view text;
  std::string_view sha256;  // of `text`, computed at build time
};
std::span<const EmbeddedTableFile> EmbeddedTableFiles();

struct Factor {
  std::string region;        // as asked, e.g. "SPP_KS"
  std::string table_region;  // the code the table uses, e.g. "US-CENT-SWPP"
  GramsPerKwh value;
  Resolution resolution = Resolution::kStatic;
  int64_t period_start_s = 0;  // the period the figure is for (static: 0)
  // The highest static figure of all tables, standing in for a region no table covers.
  bool worst_case = false;
  std::shared_ptr<const Table> table;
};

struct LoadOptions {
  bool shipped = true;
  std::filesystem::path home;                // tables in <home>/carbon/ are used when present
  std::vector<std::filesystem::path> extra;  // KFM_CARBON_TABLES: files or directories
  // KFM_CARBON_UNKNOWN_REGION=worst-case: an unknown region gets the highest static figure
  // of all tables instead of an error.
  bool worst_case_for_unknown_region = false;

  // From KFM_HOME, KFM_CARBON_TABLES and KFM_CARBON_UNKNOWN_REGION.
  static Result<LoadOptions> FromEnv();
};

class TableSet {
 public:
  // Loads every table; the first bad one fails the load, naming its file, line and field.
  static Result<TableSet> Load(const LoadOptions& options);

  // Adds one table; InvalidArgument if another table with the same id and version but
  // different values is already present (an identical copy is ignored).
  Status Add(Table table);

  // The factor for `region` at `at_s` (Unix seconds, UTC). InvalidArgument naming the known
  // regions when the region is in no table (unless worst_case_for_unknown_region). A known
  // region whose tables cover neither the time nor give a static figure gets WorstCase.
  [[nodiscard]] Result<Factor> Lookup(std::string_view region, int64_t at_s) const;

  // The table `id` at `version`, or the newest version of `id` when `version` is empty.
  [[nodiscard]] Result<std::shared_ptr<const Table>> Find(std::string_view id,
                                                          std::string_view version = {}) const;

  // A set holding only `table`, with this set's region aliases and options (for rescoring).
  [[nodiscard]] TableSet Only(std::shared_ptr<const Table> table) const;

  [[nodiscard]] const std::vector<std::shared_ptr<const Table>>& tables() const { return tables_; }
  // Every region code of every table, sorted, without duplicates.
  [[nodiscard]] std::vector<std::string> KnownRegions() const;
  // `region` and its aliases across providers (data/carbon/region-aliases.csv).
  [[nodiscard]] std::vector<std::string> Aliases(std::string_view region) const;

 private:
  [[nodiscard]] Result<Factor> WorstCase(std::string_view region) const;

  std::vector<std::shared_ptr<const Table>> tables_;
  std::vector<std::vector<std::string>> alias_groups_;
  bool worst_case_for_unknown_region_ = false;
};

// -1, 0, 1 comparing versions piecewise: runs of digits as numbers, the rest as text
// ("0.9" < "0.19.0" < "2026-01-02").
int CompareVersions(std::string_view a, std::string_view b);

// LoadOptions::FromEnv, then TableSet::Load.
Result<std::shared_ptr<const TableSet>> LoadTablesFromEnv();

// KFM_REGION, else kDefaultRegion.
std::string RegionFromEnv();

}  // namespace kfm::carbon
