#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "carbon/table_set.h"
#include "cli/command.h"
#include "meter/cpu_accounting.h"
#include "meter/source_selection.h"

namespace kfm::cli {

void AddProbeCommand(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "probe", "Show which energy sources this machine has and which will be used");
  cmd->footer(
      "Fallback order: CPU  RAPL powercap -> Cloud Carbon Footprint model\n"
      "                DRAM RAPL dram zone -> CCF memory model\n"
      "                GPU  NVML energy counter -> NVML power (integrated) -> none\n"
      "Reads $KFM_SYSFS_ROOT (default /sys) and $KFM_NVML_LIBRARY (default libnvidia-ml.so.1).\n"
      "Also shows the carbon factor of KFM_REGION now (exit 2 when the region or a table is\n"
      "bad, as `run` would refuse to start).");
  static bool as_json = false;
  cmd->add_flag("--json", as_json, "Print the result as JSON");
  cmd->callback([&exit_code] {
    auto config = meter::MeterConfig::FromEnv();
    if (!config.ok()) {
      std::cerr << "kfm-energy probe: " << config.status().message() << "\n";
      exit_code = 2;
      return;
    }
    // The carbon factor a node would get now: what `run` checks before it starts anything.
    const std::string region = carbon::RegionFromEnv();
    std::optional<carbon::Factor> factor;
    std::string carbon_problem;
    if (auto tables = carbon::LoadTablesFromEnv(); !tables.ok()) {
      carbon_problem = tables.status().message();
    } else if (auto found = (*tables)->Lookup(region, std::time(nullptr)); !found.ok()) {
      carbon_problem = found.status().message();
    } else {
      factor = *found;
    }
    meter::SelectedSources sources = meter::SelectSources(*config);
    std::string accounting_note;
    auto accounting = meter::MakeCpuAccounting(meter::AccountingMode::kAuto, &accounting_note);
    if (as_json) {
      nlohmann::json out = {{"sysfs_root", config->sysfs_root.string()},
                            {"nvml_library", config->nvml_library},
                            {"sample_interval_ms", config->sample_interval.count()},
                            {"cpu_method", sources.cpu_method},
                            {"dram_method", sources.dram_method},
                            {"gpu_method", sources.gpu_method},
                            {"cpu_accounting", std::string(accounting->kind())},
                            {"sources", nlohmann::json::array()}};
      if (!accounting_note.empty()) out["cpu_accounting_note"] = accounting_note;
      if (factor) {
        out["carbon"] = {{"region", region},
                         {"gco2e_per_kwh", factor->value.value()},
                         {"resolution", std::string(carbon::ResolutionName(factor->resolution))},
                         {"table", factor->table->meta.id + "@" + factor->table->meta.version}};
      } else {
        out["carbon"] = {{"region", region}, {"error", carbon_problem}};
      }
      for (const auto& r : sources.report) {
        out["sources"].push_back(
            {{"source", r.source}, {"used", r.used}, {"reason", r.reason}, {"details", r.details}});
      }
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << "Energy sources (" << config->sysfs_root.string() << ", " << config->nvml_library
                << ")\n";
      for (const auto& r : sources.report) {
        std::cout << "  " << (r.used ? "[used]    " : "[skipped] ") << r.source << ": " << r.reason
                  << "\n";
        for (const auto& d : r.details) std::cout << "              " << d << "\n";
      }
      std::cout << "Methods: cpu=" << sources.cpu_method << " dram=" << sources.dram_method
                << " gpu=" << sources.gpu_method << "\n";
      std::cout << "Process accounting: " << accounting->kind()
                << (accounting_note.empty() ? "" : " (" + accounting_note + ")") << "\n";
      std::cout << "Sampler period: " << config->sample_interval.count() << " ms\n";
      if (factor) {
        std::cout << "Carbon: " << region << " now " << factor->value.value() << " gCO2e/kWh ("
                  << carbon::ResolutionName(factor->resolution) << ", " << factor->table->meta.id
                  << "@" << factor->table->meta.version
                  << "; `kfm-energy carbon lookup` says more)\n";
      } else {
        std::cout << "Carbon: " << carbon_problem << "\n";
      }
    }
    exit_code = factor ? 0 : 2;
  });
}

}  // namespace kfm::cli
