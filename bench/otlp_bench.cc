// OTLP encoding and export: spans per second encoded as protobuf and as OTLP/JSON for spans that
// carry the full energy contract, the time the batch span processor adds to a span on the hot
// path, and the wall time to export 100,000 such spans to the reference receiver
// (tests/receiver) over each protocol.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>

#include "otel/batch_span_processor.h"
#include "otel/exporter_config.h"
#include "otel/otlp_proto.h"
#include "otel/otlp_transport.h"
#include "otlp_receiver.h"

namespace kfm::otel {
namespace {

// A node span with every contract attribute, as `run` writes it.
SpanData ContractSpan(int i) {
  SpanData span;
  span.name = "etl.node.hrrr_ingest";
  span.context.trace_id = TraceIdForRun("bench-run");
  span.context.span_id = RandomSpanId();
  span.parent_span_id = RandomSpanId();
  span.start_unix_ns = 1795580000000000000LL + i;
  span.end_unix_ns = span.start_unix_ns + 2'000'000'000LL;
  auto& a = span.attributes;
  for (const char* key :
       {"kfm.run_id", "kfm.node", "kfm.component", "kfm.domain", "kfm.pipeline_kind",
        "kfm.hostname", "energy.cpu_method", "energy.dram_method", "energy.gpu_method",
        "carbon.region", "carbon.factor_resolution", "carbon.table_id", "carbon.table_version",
        "energy.cpu_accounting"}) {
    a.emplace_back(key, std::string("value-of-") + key);
  }
  for (const char* key :
       {"energy.cpu_j", "energy.cpu_pkg_j", "energy.dram_j", "energy.gpu_j", "energy.gpu_w_avg",
        "energy.total_j", "util.cpu_pct", "timing.duration_s", "carbon.gco2e",
        "carbon.intensity_gco2_per_kwh", "efficiency.j_per_record", "sci.gco2e_per_record"}) {
    a.emplace_back(key, 12.345 + i);
  }
  for (const char* key :
       {"kfm.records_out", "kfm.bytes_out", "energy.samples", "process.exit.code"}) {
    a.emplace_back(key, static_cast<int64_t>(1000 + i));
  }
  a.emplace_back("energy.modelled", true);
  return span;
}

Resource BenchResource() { return MakeResource("kfm.etl.bench", "bench-run", "etl"); }

void BM_EncodeProtobuf(benchmark::State& state) {
  const auto resource = BenchResource();
  std::vector<SpanData> spans;
  for (int i = 0; i < state.range(0); ++i) spans.push_back(ContractSpan(i));
  for (auto _ : state) {
    std::string bytes = BuildTraceRequest(resource, spans, "bench").SerializeAsString();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeProtobuf)->Arg(1)->Arg(512);

void BM_EncodeJson(benchmark::State& state) {
  const auto resource = BenchResource();
  std::vector<SpanData> spans;
  for (int i = 0; i < state.range(0); ++i) spans.push_back(ContractSpan(i));
  for (auto _ : state) {
    std::string json = ToOtlpJson(BuildTraceRequest(resource, spans, "bench"));
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeJson)->Arg(1)->Arg(512);

// What export adds to a node span on the caller's thread: BatchSpanProcessor::OnEnd with the
// specification's defaults, the span moved in (or copied, as `run` does: the bundle file keeps
// its own). Encoding and sending happen on the exporter thread, here a fake exporter that only
// frees the batch. Each iteration ends 512 spans (one full batch, so one wake-up of the
// exporter thread); making them and waiting for the export (ForceFlush) are not timed, so the
// queue never overflows: `dropped` must be 0.
void BM_BatchSpanProcessorOnEnd(benchmark::State& state, bool copy) {
  std::atomic<int64_t> exported{0};
  BatchSpanProcessorOptions options;
  options.resource = BenchResource();
  BatchSpanProcessor processor(std::move(options),
                               [&exported](const Resource&, std::vector<SpanData>&& spans,
                                           std::chrono::steady_clock::time_point) {
                                 exported += static_cast<int64_t>(spans.size());
                                 std::vector<SpanData> freed = std::move(spans);
                                 return ExportResult::kSuccess;
                               });
  constexpr int kSpans = 512;
  const SpanData model = ContractSpan(0);
  std::vector<SpanData> spans;
  const auto patience = std::chrono::seconds(30);
  for (auto _ : state) {
    state.PauseTiming();
    if (!processor.ForceFlush(std::chrono::steady_clock::now() + patience)) {
      state.SkipWithError("the processor did not flush in 30 s");
      break;
    }
    spans.assign(kSpans, model);
    state.ResumeTiming();
    for (auto& span : spans) {
      if (copy) {
        processor.OnEnd(span);
      } else {
        processor.OnEnd(std::move(span));
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  if (!processor.Shutdown(std::chrono::steady_clock::now() + patience)) {
    state.SkipWithError("the processor did not shut down in 30 s");
  }
  state.counters["dropped"] = static_cast<double>(processor.stats().dropped);
  state.counters["exported"] = static_cast<double>(exported.load());
}
BENCHMARK_CAPTURE(BM_BatchSpanProcessorOnEnd, move, false);
BENCHMARK_CAPTURE(BM_BatchSpanProcessorOnEnd, copy, true);

// 100,000 spans in batches of 512 (OTEL_BSP_MAX_EXPORT_BATCH_SIZE's default) to the receiver.
void BM_Export100k(benchmark::State& state, Protocol protocol) {
  testing::OtlpReceiver receiver;
  if (!receiver.ok()) {
    state.SkipWithError(receiver.error().c_str());
    return;
  }
  SignalConfig config;
  config.protocol = protocol;
  config.enabled = true;
  config.timeout = std::chrono::seconds(30);
  config.endpoint = protocol == Protocol::kGrpc
                        ? "http://127.0.0.1:" + std::to_string(receiver.grpc_port())
                        : "http://127.0.0.1:" + std::to_string(receiver.http_port()) + "/v1/traces";
  auto transport = MakeTransport(config);
  if (!transport.ok()) {
    state.SkipWithError(transport.status().message().c_str());
    return;
  }
  const auto resource = BenchResource();
  std::vector<SpanData> batch;
  for (int i = 0; i < 512; ++i) batch.push_back(ContractSpan(i));
  const std::string body = BuildTraceRequest(resource, batch, "bench").SerializeAsString();
  constexpr int kBatches = (100000 + 511) / 512;
  for (auto _ : state) {
    for (int b = 0; b < kBatches; ++b) {
      const SendResult sent = (*transport)->Send(Signal::kTraces, body);
      if (sent.outcome != SendResult::Outcome::kAccepted) {
        state.SkipWithError(sent.message.c_str());
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatches * 512);
}
BENCHMARK_CAPTURE(BM_Export100k, http_protobuf, Protocol::kHttpProtobuf)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Export100k, http_json, Protocol::kHttpJson)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Export100k, grpc, Protocol::kGrpc)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace kfm::otel
