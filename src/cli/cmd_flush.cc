#include <iostream>

#include "cli/command.h"
#include "otel/bundle.h"
#include "otel/exporter_config.h"
#include "otel/otlp_exporter.h"

namespace kfm::cli {

void AddFlushCommand(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "flush", "Send the OTLP requests kept in $KFM_HOME/telemetry/spool/ to the collector");
  cmd->footer(
      "A request lands in the spool when the collector was down, slow or refused it during a\n"
      "run; the next run retries automatically, and `flush` does it on demand (e.g. from cron\n"
      "after a collector outage). Each request is delivered once: it leaves the spool as soon\n"
      "as the collector accepts it. The endpoint and protocol come from the OTEL_EXPORTER_OTLP_*\n"
      "variables, as for `run`. Exit 0 when the spool is empty afterwards, 1 when requests\n"
      "remain (collector unreachable or refusing; the reason is printed), 2 for bad settings.");
  static int timeout_s = 60;
  cmd->add_option("--timeout", timeout_s, "Give up after this many seconds (what remains stays)")
      ->capture_default_str();
  cmd->callback([&exit_code] {
    auto config = otel::ExporterConfigFromEnv();
    if (!config.ok()) {
      std::cerr << "kfm-energy flush: " << config.status().message() << "\n";
      exit_code = 2;
      return;
    }
    const auto spool_dir = otel::HomeFromEnv() / "telemetry" / "spool";
    otel::Spool spool(spool_dir);
    const size_t waiting = spool.List().size();
    if (waiting == 0) {
      std::cout << "kfm-energy flush: nothing to send (" << spool_dir.string() << " is empty)\n";
      exit_code = 0;
      return;
    }
    if (!config->traces.enabled && !config->metrics.enabled) {
      std::cerr
          << "kfm-energy flush: " << waiting
          << " request(s) wait, but no collector is configured: set OTEL_EXPORTER_OTLP_ENDPOINT\n";
      exit_code = 2;
      return;
    }
    otel::OtlpExporter exporter(*config, spool);
    const auto report =
        exporter.Flush(std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s));
    for (const auto& problem : report.problems)
      std::cerr << "kfm-energy flush: " << problem << "\n";
    std::cout << "kfm-energy flush: delivered " << report.delivered << ", remaining "
              << report.remaining << "\n";
    exit_code = report.remaining == 0 ? 0 : 1;
  });
}

}  // namespace kfm::cli
