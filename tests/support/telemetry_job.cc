// Test helper program: a job instrumented with the public Telemetry API, as the reference
// jobs are. `kfm_telemetry_job SECONDS RECORDS [fail]` burns SECONDS of CPU inside one node
// span "api_job", reports RECORDS records and one dataset, and exits 0 (the job's own result
// never depends on telemetry).
#include <kfm/telemetry.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.2;
  const long records = argc > 2 ? std::atol(argv[2]) : 100;
  const bool fail = argc > 3 && std::string(argv[3]) == "fail";
  auto tel = kfm::energy::Telemetry::from_env("kfm.etl.api_job");
  {
    auto span = tel.node_span("api_job", {.domain = "hydro", .pipeline_kind = "nightly"});
    for (;;) {
      timespec used{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
      if (static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) * 1e-9 >= seconds)
        break;
    }
    span.records_out(records);
    span.bytes_out(records * 10);
    span.dataset("gauges", "2026-11-25", "file:///tmp/data set/gauges.csv", std::string(64, 'a'));
    if (fail) span.fail("upstream file missing");
  }
  std::printf("job done: %s\n", tel.status().ok() ? "telemetry on" : "telemetry off");
  return 0;
}
