#include "example_pipeline.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace kfm::testing {
namespace {

const std::string kSourceDir = KFM_SOURCE_DIR;

std::string DirectoryOf(const std::string& program) {
  return std::filesystem::path(program).parent_path().string();
}

}  // namespace

std::string ExamplePipelineYaml(const std::string& hrrr_dir) {
  std::string yaml = ReadFile(kSourceDir + "/examples/nightly/pipeline.yaml");
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"examples/nightly/data/hrrr", hrrr_dir},
        {"examples/nightly/data/usgs", kSourceDir + "/examples/nightly/data/usgs"}}) {
    const std::size_t at = yaml.find(from);
    if (at == std::string::npos) return "";
    yaml.replace(at, from.size(), to);
  }
  return yaml;
}

CommandResult RunExamplePipeline(const ExamplePipelineTools& tools, const ExamplePipelineRun& run) {
  const std::string hrrr = run.dir + "/hrrr";
  std::filesystem::create_directories(hrrr);
  CommandResult grib = RunCommand({tools.make_hrrr_grib, hrrr + "/hrrr.t00z.wrfsfcf06.grib2",
                                   "--date", "20261125", "--hour", "00", "--fcst", "06"});
  if (grib.exit_code != 0) {
    grib.err = "generating the HRRR sample failed: " + grib.err;
    return grib;
  }
  const std::string yaml = ExamplePipelineYaml(hrrr);
  if (yaml.empty()) {
    return {.exit_code = 1,
            .out = "",
            .err =
                "examples/nightly/pipeline.yaml no longer names its sample inputs "
                "examples/nightly/data/hrrr and examples/nightly/data/usgs"};
  }
  const std::string pipeline = run.dir + "/pipeline.yaml";
  WriteFile(pipeline, yaml + run.extra_nodes);
  const char* inherited = std::getenv("PATH");
  const std::string path = DirectoryOf(tools.hrrr_ingest) + ":" + DirectoryOf(tools.usgs_gauges) +
                           ":" + DirectoryOf(tools.kfm_energy) + ":" +
                           (inherited != nullptr ? inherited : "/usr/bin:/bin");
  std::vector<std::string> argv = {tools.kfm_energy, "pipeline", "run"};
  argv.insert(argv.end(), run.flags.begin(), run.flags.end());
  argv.push_back(pipeline);
  return RunCommand(argv, IsolatedRunEnv(run.home, run.run_id, {"PATH=" + path}), run.timeout_s);
}

}  // namespace kfm::testing
