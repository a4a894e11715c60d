// The OpenTelemetry SDK's batch span processor (OTEL_BSP_*): OnEnd only moves a span into a
// bounded queue, and one exporter thread hands batches to the export callback, one at a time,
// each bounded by the export timeout; Shutdown force-flushes within its deadline. The class is
// thread-safe: no concurrent call to any API of this type causes a data race.
//
// A span that finds the queue full (or arrives after Shutdown) is dropped, as the
// specification says, and counted in stats(). Drops only affect OTLP delivery: the bundle
// files, written before anything is exported, already hold every span. The caller reports
// the count. Neither ForceFlush nor Shutdown waits past its deadline even when the exporter
// is slow; an export still running then finishes on the (detached) exporter thread, which
// owns the callback, so the callback must own what it uses (capture shared_ptrs, not
// references to locals).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "otel/exporter_config.h"
#include "otel/span.h"

namespace kfm::otel {

enum class ExportResult { kSuccess, kFailure };

// Exports one batch; must return by `deadline` (the earlier of the export timeout and a
// pending Shutdown's deadline) and must not throw. Called from the exporter thread only, never
// twice at once.
using SpanExportFunction =
    std::function<ExportResult(const Resource& resource, std::vector<SpanData>&& spans,
                               std::chrono::steady_clock::time_point deadline)>;

struct BatchSpanProcessorOptions {
  // Queue size, schedule delay, export timeout (0: none) and batch size; out-of-range values
  // are clamped as the specification says (batch size at most the queue size).
  BatchConfig batch;
  Resource resource;  // of every span this processor sees
};

struct BatchSpanProcessorStats {
  int64_t queued = 0;    // spans OnEnd accepted into the queue
  int64_t exported = 0;  // spans in exports that returned kSuccess
  int64_t failed = 0;    // spans in exports that returned kFailure
  int64_t dropped = 0;   // queue full, after Shutdown, or still queued at Shutdown's deadline
};

class BatchSpanProcessor {
 public:
  BatchSpanProcessor(BatchSpanProcessorOptions options, SpanExportFunction export_spans);
  // Shutdown bounded by the export timeout.
  ~BatchSpanProcessor();
  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  // The hot path: queues the span (or drops and counts it) and wakes the exporter thread when
  // a full batch is waiting. Never exports on the caller's thread.
  void OnEnd(SpanData span);

  // Exports everything queued before the call; true when all of it was handed to the exporter
  // and the exports returned by `deadline` (whatever they returned: see stats()).
  [[nodiscard]] bool ForceFlush(std::chrono::steady_clock::time_point deadline);

  // Force-flushes and stops the exporter thread; exports get the earlier of their own timeout
  // and `deadline`, and spans still queued when it passes are dropped. True when everything
  // was exported by then. Idempotent: a later call only waits again for the thread to end.
  [[nodiscard]] bool Shutdown(std::chrono::steady_clock::time_point deadline);

  [[nodiscard]] BatchSpanProcessorStats stats() const;

 private:
  struct State;
  static void Run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;  // shared with the exporter thread, which may outlive us
  std::mutex thread_mutex_;       // guards worker_ (join or detach once)
  std::thread worker_;
};

}  // namespace kfm::otel
