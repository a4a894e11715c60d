// Test helper: builds NodeRecord/RunRecord histories the way the store hands them to rollups
// (a run record whose totals are the sums of its nodes). Tests only; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/records.h"

namespace kfm::rollup::test_history {

inline constexpr std::int64_t kSecond = 1'000'000'000;
inline constexpr std::int64_t kDay = 86400 * kSecond;
inline constexpr std::int64_t kT0 = 1'764'547'200 * kSecond;  // 2025-12-01T00:00:00Z

struct NodeSpec {
  std::string node;
  double total_j = 0;
  double gco2e = 0;
  std::int64_t records = -1;  // -1: not reported
  std::int64_t bytes = -1;
  bool modelled = false;
  bool ok = true;
  std::string cpu_method = "rapl";
};

class HistoryBuilder {
 public:
  // Adds a run of `pipeline` starting at `start` whose nodes run one after another, 10 s each.
  const store::RunRecord& AddRun(const std::string& pipeline, const std::string& run_id,
                                 std::int64_t start, const std::vector<NodeSpec>& specs,
                                 bool ok = true) {
    store::RunRecord run;
    run.run_id = run_id;
    run.pipeline = pipeline;
    run.pipeline_kind = "nightly";
    run.hostname = "test-host";
    run.start_unix_nano = start;
    run.ok = ok;
    std::int64_t t = start;
    int i = 0;
    for (const NodeSpec& s : specs) {
      store::NodeRecord n;
      n.trace_id = std::string(32, 'a');
      n.span_id = run_id + "-" + std::to_string(i++);
      n.run_id = run_id;
      n.pipeline = pipeline;
      n.node = s.node;
      n.pipeline_kind = "nightly";
      n.start_unix_nano = t;
      n.end_unix_nano = t + 10 * kSecond;
      t = n.end_unix_nano;
      n.duration_s = 10;
      n.ok = s.ok;
      n.total_j = s.total_j;
      n.cpu_j = s.total_j;
      n.gco2e = s.gco2e;
      n.modelled = s.modelled;
      n.cpu_method = s.modelled ? "model-ccf" : s.cpu_method;
      n.gpu_method = "none";
      if (s.records >= 0) n.records_out = s.records;
      if (s.bytes >= 0) n.bytes_out = s.bytes;
      n.carbon_region = "SPP_KS";
      n.carbon_resolution = "hour";
      n.carbon_table_id = "eia930-spp";
      n.carbon_table_version = "2025.1";
      run.total_j += s.total_j;
      run.gco2e += s.gco2e;
      run.modelled = run.modelled || s.modelled;
      run.node_count++;
      nodes.push_back(n);
    }
    run.end_unix_nano = t;
    runs.push_back(run);
    return runs.back();
  }

  std::vector<store::RunRecord> runs;
  std::vector<store::NodeRecord> nodes;
};

}  // namespace kfm::rollup::test_history
