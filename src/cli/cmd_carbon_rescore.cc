// `kfm-energy carbon rescore RUN_ID --table ID[@VERSION]`: a past run's carbon scored again
// with one table, written beside the original (which stays as it was).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "carbon/node_carbon.h"
#include "carbon/table_set.h"
#include "cli/command.h"
#include "otel/bundle.h"

namespace kfm::cli {
namespace {

int Rescore(const std::string& run_id, const std::string& table_spec) {
  auto fail = [](const std::string& message) {
    std::cerr << "kfm-energy carbon rescore: " << message << "\n";
    return 2;
  };
  if (Status s = otel::CheckPathComponent("RUN_ID", run_id); !s.ok()) return fail(s.message());
  const auto original_path = otel::PathsForRun(otel::HomeFromEnv(), run_id).carbon;
  std::ifstream in(original_path);
  if (!in) return fail(original_path.string() + ": no carbon record for run " + run_id);
  nlohmann::json original;
  try {
    original = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or a number out of range
    return fail(original_path.string() + ": not valid JSON: " + e.what());
  }
  auto tables = carbon::LoadTablesFromEnv();
  if (!tables.ok()) return fail(tables.status().message());
  const size_t at = table_spec.find('@');
  auto table = (*tables)->Find(table_spec.substr(0, at),
                               at == std::string::npos ? "" : table_spec.substr(at + 1));
  if (!table.ok()) return fail("--table: " + table.status().message());
  const carbon::TableSet only = (*tables)->Only(*table);
  auto rescored = carbon::RescoreDocument(original, only, original_path.string());
  if (!rescored.ok()) return fail(rescored.status().message());

  const std::string key = (*table)->meta.id + "@" + (*table)->meta.version;
  auto out_path = original_path;
  out_path.replace_filename("kfm-run-" + run_id + ".rescored-" + key + ".json");
  if (Status s = otel::UpdateJsonDocument(out_path, [&](nlohmann::json& doc) { doc = *rescored; });
      !s.ok()) {
    return fail(s.message());
  }
  std::cout << "kfm-energy carbon rescore: run " << run_id << " with " << key << "\n";
  double before_total = 0, after_total = 0;
  for (size_t i = 0; i < rescored->at("nodes").size(); ++i) {
    const auto& after = rescored->at("nodes")[i];
    double before = 0;
    for (const auto& node : original.at("nodes")) {
      if (node.value("span_id", "") == after.value("span_id", ""))
        before = node.value("gco2e", 0.0);
    }
    before_total += before;
    after_total += after.value("gco2e", 0.0);
    std::cout << "  " << after.value("node", "") << ": " << before << " -> "
              << after.value("gco2e", 0.0) << " gCO2e (" << after.value("factor_resolution", "")
              << ")\n";
  }
  std::cout << "  total: " << before_total << " -> " << after_total << " gCO2e\n"
            << "  written " << out_path.string() << " (the original is unchanged)\n";
  return 0;
}

}  // namespace

void AddCarbonRescoreCommand(CLI::App& carbon, int& exit_code) {
  static std::string run_id;
  static std::string table;
  auto* cmd = carbon.add_subcommand("rescore",
                                    "Score a past run's energy again with another intensity table");
  cmd->add_option("run_id", run_id, "The run (KFM_RUN_ID) to rescore")->required();
  cmd->add_option("--table", table, "ID or ID@VERSION (see `kfm-energy carbon tables`)")
      ->required();
  cmd->footer(
      "Reads $KFM_HOME/telemetry/carbon/kfm-run-<run-id>.json (the joules of every node per\n"
      "UTC hour, its region, records and embodied inputs), converts them with that table only\n"
      "(hourly, else daily, else annual, else static, within the table), and writes\n"
      "kfm-run-<run-id>.rescored-<id>@<version>.json beside it. The original stays. Rescoring\n"
      "with the table the run used reproduces the original byte for byte.\n"
      "Example: kfm-energy carbon rescore nightly-20261125 --table eia930-swpp");
  cmd->callback([&exit_code] { exit_code = Rescore(run_id, table); });
}

}  // namespace kfm::cli
