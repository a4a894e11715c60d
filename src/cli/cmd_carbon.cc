// `kfm-energy carbon`: the intensity tables (tables), one factor (lookup); rescore and import
// are in cmd_carbon_rescore.cc and cmd_carbon_import.cc.
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "carbon/node_carbon.h"
#include "carbon/table_set.h"
#include "cli/command.h"

namespace kfm::cli {
namespace {

int Fail(std::string_view command, const std::string& message) {
  std::cerr << "kfm-energy carbon " << command << ": " << message << "\n";
  return 2;
}

// "now", "2026-11-25T04:00:00Z", "2026-11-25T04:00Z" or "2026-11-25" (midnight UTC).
bool ParseInstant(const std::string& text, int64_t* out) {
  if (text == "now") {
    *out = std::time(nullptr);
    return true;
  }
  if (text.size() == 10) return carbon::ParseUtcSeconds(text + "T00:00:00Z", out);
  if (text.size() == 17 && text.back() == 'Z')
    return carbon::ParseUtcSeconds(text.substr(0, 16) + ":00Z", out);
  return carbon::ParseUtcSeconds(text, out);
}

std::string Resolutions(const carbon::Table& table) {
  std::set<carbon::Resolution> seen;
  for (const auto& [region, periods] : table.regions)
    for (const auto& p : periods) seen.insert(p.resolution);
  std::string out;
  for (auto r : seen) out += (out.empty() ? "" : ",") + std::string(carbon::ResolutionName(r));
  return out;
}

// First start and last end over the timed rows; "static" when there are none.
std::string Coverage(const carbon::Table& table) {
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& [region, periods] : table.regions) {
    for (const auto& p : periods) {
      if (p.resolution == carbon::Resolution::kStatic) continue;
      first = std::min(first, p.start_s);
      last = std::max(last, carbon::PeriodEnd(p));
    }
  }
  if (first == INT64_MAX) return "static";
  return carbon::FormatUtcSeconds(first) + " .. " + carbon::FormatUtcSeconds(last);
}

nlohmann::json TableJson(const carbon::Table& table) {
  nlohmann::json out = carbon::TableProvenance(table);
  out["resolutions"] = Resolutions(table);
  out["coverage"] = Coverage(table);
  out["regions"] = table.regions.size();
  out["rows"] = table.row_count();
  out["values"] = table.values_name;
  if (!table.meta.notes.empty()) out["notes"] = table.meta.notes;
  return out;
}

int Tables(const std::string& region, bool json) {
  auto tables = carbon::LoadTablesFromEnv();
  if (!tables.ok()) return Fail("tables", tables.status().message());
  const auto codes = region.empty() ? std::vector<std::string>{} : (*tables)->Aliases(region);
  nlohmann::json out = nlohmann::json::array();
  bool any = false;
  for (const auto& table : (*tables)->tables()) {
    std::vector<std::pair<std::string, const std::vector<carbon::Period>*>> rows;
    for (const auto& code : codes) {
      if (auto it = table->regions.find(code); it != table->regions.end())
        rows.emplace_back(code, &it->second);
    }
    if (!region.empty() && rows.empty()) continue;
    any = true;
    if (json) {
      nlohmann::json entry = TableJson(*table);
      for (const auto& [code, periods] : rows) {
        for (const auto& p : *periods) {
          nlohmann::json row = {{"region", code},
                                {"resolution", std::string(carbon::ResolutionName(p.resolution))},
                                {"gco2e_per_kwh", p.gco2e_per_kwh}};
          if (p.resolution != carbon::Resolution::kStatic)
            row["start"] = carbon::FormatUtcSeconds(p.start_s);
          entry["figures"].push_back(std::move(row));
        }
      }
      out.push_back(std::move(entry));
      continue;
    }
    std::cout << table->meta.id << "@" << table->meta.version << "  [" << table->origin << "]\n"
              << "  resolution " << Resolutions(*table) << ", " << table->regions.size()
              << " regions, " << table->row_count() << " rows, " << Coverage(*table) << "\n"
              << "  sha256     " << table->sha256 << "\n"
              << "  source     " << table->meta.source << "\n"
              << "  licence    " << table->meta.licence << "; basis " << table->meta.basis
              << ", scope " << table->meta.scope << ", retrieved " << table->meta.retrieved << "\n";
    for (const auto& [code, periods] : rows) {
      for (const auto& p : *periods) {
        std::cout << "    " << std::left << std::setw(14) << code << std::setw(8)
                  << carbon::ResolutionName(p.resolution) << std::setw(22)
                  << (p.resolution == carbon::Resolution::kStatic
                          ? std::string("-")
                          : carbon::FormatUtcSeconds(p.start_s))
                  << p.gco2e_per_kwh << " gCO2e/kWh\n";
      }
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  if (!region.empty() && !any) {
    std::string known;
    for (const auto& code : (*tables)->KnownRegions()) known += (known.empty() ? "" : ", ") + code;
    return Fail("tables", "no table has region '" + region + "' (known: " + known + ")");
  }
  return 0;
}

int Lookup(const std::string& region_option, const std::string& at, bool json) {
  int64_t at_s = 0;
  if (!ParseInstant(at, &at_s)) {
    return Fail("lookup",
                "--at: '" + at + "' is not a UTC time (YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DD or now)");
  }
  auto tables = carbon::LoadTablesFromEnv();
  if (!tables.ok()) return Fail("lookup", tables.status().message());
  const std::string region = region_option.empty() ? carbon::RegionFromEnv() : region_option;
  auto factor = (*tables)->Lookup(region, at_s);
  if (!factor.ok()) return Fail("lookup", factor.status().message());
  const carbon::Factor& f = *factor;
  const carbon::Table& table = *f.table;
  if (json) {
    nlohmann::json out = {
        {"region", f.region},
        {"at", carbon::FormatUtcSeconds(at_s)},
        {"gco2e_per_kwh", f.value.value()},
        {"resolution", std::string(carbon::ResolutionName(f.resolution))},
        {"table_region", f.table_region},
        {"table", carbon::TableProvenance(table)},
    };
    if (f.resolution != carbon::Resolution::kStatic)
      out["period_start"] = carbon::FormatUtcSeconds(f.period_start_s);
    if (f.worst_case) out["worst_case"] = true;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << f.region << " at " << carbon::FormatUtcSeconds(at_s) << ": " << f.value.value()
            << " gCO2e/kWh\n"
            << "  resolution " << carbon::ResolutionName(f.resolution);
  if (f.resolution != carbon::Resolution::kStatic) {
    std::cout << " (the period from " << carbon::FormatUtcSeconds(f.period_start_s);
    if (at_s >= carbon::PeriodEnd({f.period_start_s, f.resolution, 0}))
      std::cout << "; the latest annual figure";
    std::cout << ")";
  }
  if (f.worst_case) std::cout << " WORST CASE: no table covers " << f.region;
  std::cout << "\n  table      " << table.meta.id << "@" << table.meta.version << " ("
            << table.origin << "), region code " << f.table_region << "\n"
            << "  sha256     " << table.sha256 << "\n"
            << "  source     " << table.meta.source << "\n"
            << "  licence    " << table.meta.licence << "; basis " << table.meta.basis << ", scope "
            << table.meta.scope << "\n";
  return 0;
}

}  // namespace

void AddCarbonCommand(CLI::App& root, int& exit_code) {
  auto* carbon = root.add_subcommand(
      "carbon", "Grid carbon-intensity tables: list, look up, import, rescore a past run");
  carbon->require_subcommand(1);
  carbon->footer(
      "Tables come from three places: the ones shipped in the binary (data/carbon/ of the\n"
      "source: Electricity Maps annual zone averages 2021-2025, their static worst case, Ember\n"
      "country averages), $KFM_HOME/carbon/ (where `carbon import` writes), and the files or\n"
      "directories on KFM_CARBON_TABLES (':'-separated). For a region and an hour the lookup\n"
      "takes an hourly figure, else daily, else annual (the latest year stands for later ones),\n"
      "else the region's static worst case; where tables overlap the finer resolution wins,\n"
      "then the newer version. Region codes have aliases across providers, e.g. SPP_KS =\n"
      "US-CENT-SWPP (Electricity Maps) = SPP_KANSAS (WattTime) = SWPP (EIA).\n"
      "An unknown KFM_REGION is an error; KFM_CARBON_UNKNOWN_REGION=worst-case uses the\n"
      "highest static figure of all tables instead. No live API is called at run time.");

  static std::string tables_region;
  static bool tables_json = false;
  auto* tables = carbon->add_subcommand(
      "tables", "List the tables: id, version, sha256, regions, resolution, coverage, source");
  tables->add_option("--region", tables_region,
                     "Also list each table's figures for this region and its aliases");
  tables->add_flag("--json", tables_json, "Print JSON");
  tables->footer("Example: kfm-energy carbon tables --region SPP_KS");
  tables->callback([&exit_code] { exit_code = Tables(tables_region, tables_json); });

  static std::string lookup_region;
  static std::string lookup_at = "now";
  static bool lookup_json = false;
  auto* lookup =
      carbon->add_subcommand("lookup", "The intensity a node running then and there would get");
  lookup->add_option("--region", lookup_region, "Grid region (default: KFM_REGION, else SPP_KS)");
  lookup->add_option("--at", lookup_at, "UTC time: YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DD or now")
      ->capture_default_str();
  lookup->add_flag("--json", lookup_json, "Print JSON");
  lookup->footer("Example: kfm-energy carbon lookup --region SPP_KS --at 2026-11-25T04:00:00Z");
  lookup->callback([&exit_code] { exit_code = Lookup(lookup_region, lookup_at, lookup_json); });

  AddCarbonRescoreCommand(*carbon, exit_code);
  AddCarbonImportCommand(*carbon, exit_code);
}

}  // namespace kfm::cli
