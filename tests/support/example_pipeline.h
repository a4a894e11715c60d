// Test helper: one real run of the example nightly pipeline (examples/nightly/pipeline.yaml),
// the reference jobs on a generated HRRR GRIB2 file and the shipped USGS samples, for the
// integration tests that check what a real run writes. Tests only; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::testing {

// The built programs a run of the example pipeline needs: the test binary's KFM_BINARY,
// KFM_HRRR_INGEST, KFM_USGS_GAUGES and KFM_MAKE_HRRR_GRIB.
struct ExamplePipelineTools {
  std::string kfm_energy;
  std::string hrrr_ingest;
  std::string usgs_gauges;
  std::string make_hrrr_grib;
};

struct ExamplePipelineRun {
  std::string dir;     // scratch directory: hrrr/ and pipeline.yaml are written into it
  std::string home;    // KFM_HOME of the run
  std::string run_id;  // KFM_RUN_ID of the run
  // YAML appended to the pipeline file, after its last node: more nodes, indented two spaces.
  std::string extra_nodes{};
  std::vector<std::string> flags{};  // between `pipeline run` and the file, e.g. "-q"
  double timeout_s = 120;
};

// The example pipeline file with its sample input paths made absolute, the HRRR one pointing
// at `hrrr_dir`, so that it runs from any directory; empty when the example no longer names
// one of them.
std::string ExamplePipelineYaml(const std::string& hrrr_dir);

// Generates the HRRR sample file into <dir>/hrrr, writes ExamplePipelineYaml + extra_nodes to
// <dir>/pipeline.yaml and runs `kfm-energy pipeline run <flags> <dir>/pipeline.yaml` in
// IsolatedRunEnv(home, run_id) with the jobs and kfm-energy first on PATH. Returns that run's
// result, or that of the first step that failed (exit code not 0, err saying which step).
CommandResult RunExamplePipeline(const ExamplePipelineTools& tools, const ExamplePipelineRun& run);

}  // namespace kfm::testing
