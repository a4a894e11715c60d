#include "carbon/table_set.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace kfm::carbon {
namespace {

constexpr std::string_view kAliasFile = "region-aliases.csv";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// "group,code,provider" rows; the shipped file is checked by a unit test, so a defect here
// is a build defect.
std::vector<std::vector<std::string>> ParseAliases(std::string_view text) {
  std::map<std::string, std::vector<std::string>> groups;
  bool header = true;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty() || line.front() == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    const size_t first = line.find(',');
    const size_t second = line.find(',', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    auto& group = groups[std::string(line.substr(0, first))];
    group.emplace_back(line.substr(first + 1, second - first - 1));
  }
  std::vector<std::vector<std::string>> out;
  for (auto& [name, codes] : groups) {
    if (std::find(codes.begin(), codes.end(), name) == codes.end())
      codes.insert(codes.begin(), name);
    out.push_back(std::move(codes));
  }
  return out;
}

// The period of `periods` (sorted by resolution, then start) at `resolution` covering `at_s`.
const Period* Covering(const std::vector<Period>& periods, Resolution resolution, int64_t at_s) {
  auto it = std::upper_bound(periods.begin(), periods.end(), std::pair{resolution, at_s},
                             [](const std::pair<Resolution, int64_t>& key, const Period& p) {
                               return key < std::pair{p.resolution, p.start_s};
                             });
  if (it == periods.begin()) return nullptr;
  --it;
  if (it->resolution != resolution || at_s >= PeriodEnd(*it)) return nullptr;
  return &*it;
}

// The latest period at `resolution` that began at or before `at_s`.
const Period* LatestBefore(const std::vector<Period>& periods, Resolution resolution,
                           int64_t at_s) {
  const Period* best = nullptr;
  for (const Period& p : periods) {
    if (p.resolution == resolution && p.start_s <= at_s) best = &p;
  }
  return best;
}

struct Candidate {
  const Period* period = nullptr;
  std::shared_ptr<const Table> table;
  std::string code;
};

// True when `b` should replace `a` among candidates of one resolution: a newer version, or
// the same version from a table loaded later.
bool Newer(const Candidate& a, const Candidate& b) {
  return CompareVersions(b.table->meta.version, a.table->meta.version) >= 0;
}

Factor MakeFactor(std::string_view region, const Candidate& c) {
  Factor f;
  f.region = std::string(region);
  f.table_region = c.code;
  f.value = GramsPerKwh(c.period->gco2e_per_kwh);
  f.resolution = c.period->resolution;
  f.period_start_s = c.period->start_s;
  f.table = c.table;
  return f;
}

Status AddPath(TableSet& set, const std::filesystem::path& path, bool must_exist) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".csv") files.push_back(entry.path());
    }
    if (ec) return Status::IoError(path.string() + ": cannot list: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto table = LoadTableFile(file);
      if (!table.ok()) return table.status();
      if (Status s = set.Add(std::move(*table)); !s.ok()) return s;
    }
    return Status::Ok();
  }
  if (!std::filesystem::exists(path, ec)) {
    return must_exist ? Status::InvalidArgument("KFM_CARBON_TABLES: " + path.string() +
                                                ": no such file or directory")
                      : Status::Ok();
  }
  auto table = LoadTableFile(path);
  if (!table.ok()) return table.status();
  return set.Add(std::move(*table));
}

}  // namespace

int CompareVersions(std::string_view a, std::string_view b) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      std::string_view na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (na != nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j] ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i == a.size() && j == b.size()) return 0;
  return i == a.size() ? -1 : 1;
}

std::string RegionFromEnv() {
  const std::string region = Env("KFM_REGION");
  return region.empty() ? kDefaultRegion : region;
}

Result<LoadOptions> LoadOptions::FromEnv() {
  LoadOptions options;
  const std::string home = Env("KFM_HOME");
  options.home = home.empty() ? std::filesystem::path("kfm-data") : std::filesystem::path(home);
  const std::string extra = Env("KFM_CARBON_TABLES");
  size_t begin = 0;
  while (begin <= extra.size() && !extra.empty()) {
    const size_t colon = extra.find(':', begin);
    const std::string part = extra.substr(begin, colon - begin);
    if (!part.empty()) options.extra.emplace_back(part);
    if (colon == std::string::npos) break;
    begin = colon + 1;
  }
  const std::string unknown = Env("KFM_CARBON_UNKNOWN_REGION");
  if (unknown == "worst-case") {
    options.worst_case_for_unknown_region = true;
  } else if (!unknown.empty() && unknown != "error") {
    return Status::InvalidArgument(
        "KFM_CARBON_UNKNOWN_REGION: expected error or worst-case, got '" + unknown + "'");
  }
  return options;
}

Result<std::shared_ptr<const TableSet>> LoadTablesFromEnv() {
  auto options = LoadOptions::FromEnv();
  if (!options.ok()) return options.status();
  auto set = TableSet::Load(*options);
  if (!set.ok()) return set.status();
  return std::make_shared<const TableSet>(std::move(*set));
}

Result<TableSet> TableSet::Load(const LoadOptions& options) {
  TableSet set;
  set.worst_case_for_unknown_region_ = options.worst_case_for_unknown_region;
  const auto files = EmbeddedTableFiles();
  for (const auto& file : files) {
    if (file.name == kAliasFile) set.alias_groups_ = ParseAliases(file.text);
  }
  if (options.shipped) {
    for (const auto& file : files) {
      const std::string_view name = file.name;
      if (name.size() < 4 || name.substr(name.size() - 4) != ".csv" || name == kAliasFile) continue;
      const std::string meta_name = std::string(name.substr(0, name.size() - 4)) + ".meta.json";
      const auto meta = std::find_if(files.begin(), files.end(), [&](const EmbeddedTableFile& f) {
        return f.name == meta_name;
      });
      if (meta == files.end())
        return Status::Internal("shipped table " + std::string(name) + " has no " + meta_name);
      auto table = ParseTable(file.text, meta->text, "shipped:data/carbon/" + std::string(name),
                              "shipped:data/carbon/" + meta_name, file.sha256);
      if (!table.ok()) return table.status();
      table->origin = "shipped";
      if (Status s = set.Add(std::move(*table)); !s.ok()) return s;
    }
  }
  if (!options.home.empty()) {
    if (Status s = AddPath(set, options.home / "carbon", /*must_exist=*/false); !s.ok()) return s;
  }
  for (const auto& path : options.extra) {
    if (Status s = AddPath(set, path, /*must_exist=*/true); !s.ok()) return s;
  }
  return set;
}

Status TableSet::Add(Table table) {
  for (const auto& existing : tables_) {
    if (existing->meta.id == table.meta.id && existing->meta.version == table.meta.version) {
      if (existing->sha256 == table.sha256) return Status::Ok();
      return Status::InvalidArgument(table.values_name + ": table " + table.meta.id + "@" +
                                     table.meta.version +
                                     " differs from the one of that id and "
                                     "version in " +
                                     existing->values_name + "; give it a new version");
    }
  }
  tables_.push_back(std::make_shared<const Table>(std::move(table)));
  return Status::Ok();
}

std::vector<std::string> TableSet::Aliases(std::string_view region) const {
  for (const auto& group : alias_groups_) {
    if (std::find(group.begin(), group.end(), region) != group.end()) return group;
  }
  return {std::string(region)};
}

std::vector<std::string> TableSet::KnownRegions() const {
  std::set<std::string> regions;
  for (const auto& table : tables_) {
    for (const auto& [code, periods] : table->regions) regions.insert(code);
  }
  for (const auto& group : alias_groups_) {
    const bool present = std::any_of(group.begin(), group.end(),
                                     [&](const std::string& code) { return regions.count(code); });
    if (present) regions.insert(group.begin(), group.end());
  }
  return {regions.begin(), regions.end()};
}

Result<Factor> TableSet::Lookup(std::string_view region, int64_t at_s) const {
  const std::vector<std::string> codes = Aliases(region);
  bool known = false;
  // Exact coverage, finest first.
  for (Resolution resolution : {Resolution::kHour, Resolution::kDay, Resolution::kYear}) {
    Candidate best;
    for (const auto& table : tables_) {
      for (const auto& code : codes) {
        const auto it = table->regions.find(code);
        if (it == table->regions.end()) continue;
        known = true;
        if (const Period* p = Covering(it->second, resolution, at_s)) {
          Candidate c{p, table, code};
          if (best.period == nullptr || Newer(best, c)) best = c;
        }
      }
    }
    if (best.period != nullptr) return MakeFactor(region, best);
  }
  if (!known) {
    if (worst_case_for_unknown_region_) return WorstCase(region);
    std::string list;
    for (const auto& code : KnownRegions()) list += (list.empty() ? "" : ", ") + code;
    return Status::InvalidArgument(
        "KFM_REGION: unknown grid region '" + std::string(region) + "' (known: " + list +
        "); set KFM_CARBON_UNKNOWN_REGION=worst-case to use the highest static figure instead");
  }
  // The latest annual figure stands for the years after it: annual averages are published
  // months after a year ends.
  Candidate latest;
  for (const auto& table : tables_) {
    for (const auto& code : codes) {
      const auto it = table->regions.find(code);
      if (it == table->regions.end()) continue;
      if (const Period* p = LatestBefore(it->second, Resolution::kYear, at_s)) {
        Candidate c{p, table, code};
        if (latest.period == nullptr || p->start_s > latest.period->start_s ||
            (p->start_s == latest.period->start_s && Newer(latest, c)))
          latest = c;
      }
    }
  }
  if (latest.period != nullptr) return MakeFactor(region, latest);
  // The static worst case: the highest static figure any table gives this region.
  Candidate worst;
  for (const auto& table : tables_) {
    for (const auto& code : codes) {
      const auto it = table->regions.find(code);
      if (it == table->regions.end()) continue;
      for (const Period& p : it->second) {
        if (p.resolution != Resolution::kStatic) continue;
        if (worst.period == nullptr || p.gco2e_per_kwh > worst.period->gco2e_per_kwh ||
            (p.gco2e_per_kwh == worst.period->gco2e_per_kwh && Newer(worst, {&p, table, code})))
          worst = {&p, table, code};
      }
    }
  }
  if (worst.period != nullptr) return MakeFactor(region, worst);
  // A known region whose tables cover neither this time nor give a static figure (say, only
  // an imported hourly table): the highest static figure of all tables, marked as such.
  return WorstCase(region);
}

Result<Factor> TableSet::WorstCase(std::string_view region) const {
  Candidate worst;
  for (const auto& table : tables_) {
    for (const auto& [code, periods] : table->regions) {
      for (const Period& p : periods) {
        if (p.resolution != Resolution::kStatic) continue;
        if (worst.period == nullptr || p.gco2e_per_kwh > worst.period->gco2e_per_kwh)
          worst = {&p, table, code};
      }
    }
  }
  if (worst.period == nullptr) {
    return Status::InvalidArgument("no carbon intensity for region '" + std::string(region) +
                                   "' and no static figure in any table to fall back on");
  }
  Factor f = MakeFactor(region, worst);
  f.worst_case = true;
  return f;
}

Result<std::shared_ptr<const Table>> TableSet::Find(std::string_view id,
                                                    std::string_view version) const {
  std::shared_ptr<const Table> best;
  std::string versions;
  for (const auto& table : tables_) {
    if (table->meta.id != id) continue;
    versions += (versions.empty() ? "" : ", ") + table->meta.version;
    if (!version.empty()) {
      if (table->meta.version == version) return table;
    } else if (!best || CompareVersions(table->meta.version, best->meta.version) >= 0) {
      best = table;
    }
  }
  if (best) return best;
  if (!versions.empty()) {
    return Status::InvalidArgument("carbon table " + std::string(id) + " has no version " +
                                   std::string(version) + " (present: " + versions + ")");
  }
  std::string ids;
  for (const auto& table : tables_)
    ids += (ids.empty() ? "" : ", ") + table->meta.id + "@" + table->meta.version;
  return Status::InvalidArgument("no carbon table " + std::string(id) + " (present: " + ids + ")");
}

TableSet TableSet::Only(std::shared_ptr<const Table> table) const {
  TableSet set;
  set.alias_groups_ = alias_groups_;
  set.worst_case_for_unknown_region_ = worst_case_for_unknown_region_;
  set.tables_.push_back(std::move(table));
  return set;
}

}  // namespace kfm::carbon
