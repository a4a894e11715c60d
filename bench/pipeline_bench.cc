// The pipeline runner against make: a 1,000-node DAG of trivial commands (/bin/true) run by
// `kfm-energy pipeline run -q -j N` (every node measured, every span and record written) and
// by `make -j N` over the same graph, on the same cores. Goal: within 1.2x of make's wall time.
// The DAG: 10 layers of 100 nodes; node i of layer k needs nodes i and (i+1)%100 of layer k-1.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kLayers = 10;
constexpr int kWidth = 100;

std::string NodeName(int layer, int i) {
  return "n" + std::to_string(layer) + "_" + std::to_string(i);
}

struct Dag {
  std::filesystem::path dir;
  std::filesystem::path yaml;
  std::filesystem::path makefile;
};

Dag WriteDag() {
  Dag dag;
  char pattern[] = "/tmp/kfm-pipeline-bench-XXXXXX";
  dag.dir = ::mkdtemp(pattern);
  dag.yaml = dag.dir / "pipeline.yaml";
  dag.makefile = dag.dir / "Makefile";
  std::ofstream yaml(dag.yaml);
  std::ofstream make(dag.makefile);
  yaml << "pipeline: bench\nnodes:\n";
  make << ".PHONY: all";
  for (int layer = 0; layer < kLayers; ++layer)
    for (int i = 0; i < kWidth; ++i) make << " " << NodeName(layer, i);
  make << "\nall:";
  for (int i = 0; i < kWidth; ++i) make << " " << NodeName(kLayers - 1, i);
  make << "\n";
  for (int layer = 0; layer < kLayers; ++layer) {
    for (int i = 0; i < kWidth; ++i) {
      yaml << "  " << NodeName(layer, i) << ": {run: [/bin/true]";
      make << NodeName(layer, i) << ":";
      if (layer > 0) {
        yaml << ", needs: [" << NodeName(layer - 1, i) << ", "
             << NodeName(layer - 1, (i + 1) % kWidth) << "]";
        make << " " << NodeName(layer - 1, i) << " " << NodeName(layer - 1, (i + 1) % kWidth);
      }
      yaml << "}\n";
      make << "\n\t@/bin/true\n";
    }
  }
  return dag;
}

double Wall(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return status == 0 ? seconds : -1;
}

void BM_Dag1000(benchmark::State& state, bool with_make) {
  const Dag dag = WriteDag();
  const int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string home = (dag.dir / "home").string();
  int run = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(home);
    const std::string command =
        with_make ? "make -s -j" + std::to_string(jobs) + " -f " + dag.makefile.string() + " all"
                  : "env KFM_HOME=" + home + " KFM_RUN_ID=bench-" + std::to_string(run++) +
                        " KFM_SYSFS_ROOT=" + KFM_FIXTURES_DIR + "/sysfs/no-rapl " + KFM_BINARY +
                        " pipeline run -q -j " + std::to_string(jobs) + " " + dag.yaml.string();
    const double seconds = Wall(command + " >/dev/null 2>&1");
    if (seconds < 0) {
      state.SkipWithError(("failed: " + command).c_str());
      break;
    }
    state.SetIterationTime(seconds);
  }
  state.counters["nodes"] = kLayers * kWidth;
  state.counters["jobs"] = jobs;
  std::filesystem::remove_all(dag.dir);
}

BENCHMARK_CAPTURE(BM_Dag1000, make, true)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dag1000, kfm_pipeline, false)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
