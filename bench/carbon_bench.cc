// What carbon costs a run: loading the tables (the shipped ones are parsed and hashed at
// every start of `run`), one lookup, and scoring a node that spans a day of hours.
#include <benchmark/benchmark.h>

#include <ctime>

#include "carbon/node_carbon.h"
#include "carbon/table_set.h"

namespace {

using kfm::carbon::LoadOptions;
using kfm::carbon::TableSet;

void BM_LoadShippedTables(benchmark::State& state) {
  LoadOptions options;  // shipped only: no KFM_HOME/carbon, no KFM_CARBON_TABLES
  size_t rows = 0;
  for (auto _ : state) {
    auto set = TableSet::Load(options);
    if (!set.ok()) state.SkipWithError(set.status().message().c_str());
    rows = 0;
    for (const auto& table : set->tables()) rows += table->row_count();
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_LoadShippedTables)->Unit(benchmark::kMicrosecond);

void BM_Lookup(benchmark::State& state) {
  auto set = TableSet::Load(LoadOptions{});
  const int64_t now = std::time(nullptr);
  for (auto _ : state) {
    auto factor = set->Lookup("SPP_KS", now);
    benchmark::DoNotOptimize(factor);
  }
}
BENCHMARK(BM_Lookup);

void BM_ScoreNode24Hours(benchmark::State& state) {
  auto set = TableSet::Load(LoadOptions{});
  kfm::carbon::NodeCarbonInput input;
  input.node = "bench";
  input.region = "SPP_KS";
  const int64_t now = std::time(nullptr);
  for (int h = 0; h < 24; ++h)
    input.hours.push_back({now - now % 3600 + 3600 * h, kfm::Joules(1e5)});
  for (auto _ : state) {
    auto scored = kfm::carbon::ScoreNode(*set, input);
    benchmark::DoNotOptimize(scored);
  }
}
BENCHMARK(BM_ScoreNode24Hours);

}  // namespace
