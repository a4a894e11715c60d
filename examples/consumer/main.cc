// Measures a CPU-bound loop in-process with the public kfm::Meter API and prints the report.
#include <kfm/meter.h>

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
  return report.total.value() > 0 ? 0 : 1;
}
