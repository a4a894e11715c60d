// Uses both public APIs of the installed package: kfm::Meter measures a CPU-bound loop and
// prints the report; kfm::energy::Telemetry records the same work as an etl.node span with
// its records (written under KFM_HOME, as every kfm-energy node is).
#include <kfm/meter.h>
#include <kfm/telemetry.h>

#include <cmath>
#include <cstdio>

int main() {
  auto meter = kfm::Meter::FromEnv();
  if (!meter.ok()) {
    std::fprintf(stderr, "%s\n", meter.status().message().c_str());
    return 2;
  }
  auto section = (*meter)->Begin("consumer_loop");
  if (!section.ok()) return 1;
  volatile double sink = 0;
  for (int i = 0; i < 40'000'000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
  const kfm::EnergyReport report = section->End();
  std::printf("cpu_j=%.6f total_j=%.6f duration_s=%.3f util_pct=%.1f method=%s modelled=%d\n",
              report.cpu.value(), report.total.value(), report.duration.count(),
              report.cpu_util_pct, report.cpu_method.c_str(), report.modelled ? 1 : 0);
  if (report.total.value() <= 0) return 1;

  auto tel = kfm::energy::Telemetry::from_env("kfm.etl.consumer");
  {
    auto span = tel.node_span("consumer_node", {.domain = "telemetry", .pipeline_kind = "adhoc"});
    for (int i = 0; i < 10'000'000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
    span.records_out(10'000'000);
    if (!span.end().ok()) return 1;
  }
  std::printf("telemetry run %s: %s\n", tel.run_id().c_str(), tel.status().ok() ? "ok" : "off");
  return tel.status().ok() ? 0 : 1;
}
