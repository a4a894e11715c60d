// What the run history costs: parsing one bundle line, ingesting lines in one transaction, and
// the automatic ingest that `kfm-energy run` (one whole bundle) and the pipeline runner (the
// lines appended since its last batch) do when nodes end, into a history already holding
// 10,000 nodes. Single-threaded; each benchmark uses its own temporary KFM_HOME.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "../tests/unit/store/span_lines.h"
#include "otel/bundle.h"
#include "store/bundle_follower.h"
#include "store/history.h"
#include "store/otlp_spans.h"
#include "subprocess.h"

namespace {

using kfm::store::testing::NodeLine;
using kfm::store::testing::TestNode;

std::string SpanId(long long i) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", i + 1);
  return text;
}

std::string Line(const std::string& run_id, long long i) {
  TestNode n;
  n.run_id = run_id;
  n.span_id = SpanId(i);
  n.node = "node" + std::to_string(i % 100);
  n.pipeline = "bench";
  return NodeLine({n});
}

// A history with `nodes` node spans in runs of 100.
void Fill(const std::filesystem::path& history_path, int nodes) {
  auto history = kfm::store::History::Open(history_path);
  std::string text;
  for (int i = 0; i < nodes; ++i) text += Line("fill-" + std::to_string(i / 100), i) + "\n";
  (void)history->IngestText(text, "fill");
}

void BM_ParseBundleLine(benchmark::State& state) {
  const std::string line = Line("run-1", 1);
  kfm::store::ParsedSpans out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(kfm::store::ParseOtlpLine(line, "bench:1", out));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * line.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseBundleLine);

void BM_IngestTextOneTransaction(benchmark::State& state) {
  kfm::testing::TempDir dir;
  auto history = kfm::store::History::Open(std::filesystem::path(dir.path()) / "h.sqlite");
  const int lines = static_cast<int>(state.range(0));
  long long next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string text;
    for (int i = 0; i < lines; ++i, ++next)
      text += Line("run-" + std::to_string(next / 100), next) + "\n";
    state.ResumeTiming();
    benchmark::DoNotOptimize(history->IngestText(text, "bench"));
  }
  state.SetItemsProcessed(state.iterations() * lines);
}
BENCHMARK(BM_IngestTextOneTransaction)->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);

// `kfm-energy run`: the run's one-line bundle into a history of 10,000 nodes.
void BM_RunIngestsItsBundle(benchmark::State& state) {
  kfm::testing::TempDir dir;
  const std::filesystem::path home = dir.path();
  Fill(kfm::store::DefaultHistoryPath(home), 10000);
  long long next = 1'000'000;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string run_id = "wrap-" + std::to_string(next);
    const auto spans = kfm::otel::PathsForRun(home, run_id).spans;
    std::filesystem::create_directories(spans.parent_path());
    std::ofstream(spans) << Line(run_id, next++) << "\n";
    state.ResumeTiming();
    benchmark::DoNotOptimize(kfm::store::IngestRunBundle(home, run_id));
  }
}
BENCHMARK(BM_RunIngestsItsBundle)->Unit(benchmark::kMicrosecond);

// The pipeline runner: one node's line appended, then the follower catches up.
void BM_PipelineCatchUpPerNode(benchmark::State& state) {
  kfm::testing::TempDir dir;
  const std::filesystem::path home = dir.path();
  Fill(kfm::store::DefaultHistoryPath(home), 10000);
  const std::string run_id = "pipe-1";
  const auto spans = kfm::otel::PathsForRun(home, run_id).spans;
  std::filesystem::create_directories(spans.parent_path());
  kfm::store::BundleFollower follower(home, run_id);
  long long next = 2'000'000;
  for (auto _ : state) {
    state.PauseTiming();
    (void)kfm::otel::AppendLine(spans, Line(run_id, next++));
    state.ResumeTiming();
    benchmark::DoNotOptimize(follower.CatchUp());
  }
}
BENCHMARK(BM_PipelineCatchUpPerNode)->Unit(benchmark::kMicrosecond);

}  // namespace
