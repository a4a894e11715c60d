#include "otel/batch_span_processor.h"

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <utility>

namespace kfm::otel {

using Clock = std::chrono::steady_clock;

namespace {

// wait_until, where time_point::max() (no export timeout) means no limit.
template <typename Predicate>
bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
               Clock::time_point deadline, Predicate ready) {
  if (deadline == Clock::time_point::max()) {
    cv.wait(lock, ready);
    return true;
  }
  return cv.wait_until(lock, deadline, ready);
}

}  // namespace

struct BatchSpanProcessor::State {
  State(BatchSpanProcessorOptions options, SpanExportFunction exporter)
      : max_queue_size(static_cast<size_t>(std::max(1, options.batch.max_queue_size))),
        max_batch_size(static_cast<size_t>(
            std::clamp(options.batch.max_export_batch_size, 1, static_cast<int>(max_queue_size)))),
        schedule_delay(std::max(options.batch.schedule_delay, std::chrono::milliseconds(0))),
        export_timeout(options.batch.export_timeout),
        resource(std::move(options.resource)),
        export_spans(std::move(exporter)) {}

  // When an export started now must end: the export timeout, and a pending Shutdown's deadline.
  [[nodiscard]] Clock::time_point ExportDeadline(Clock::time_point now) const {
    Clock::time_point deadline =
        export_timeout.count() > 0 ? now + export_timeout : Clock::time_point::max();
    return stopping ? std::min(deadline, stop_deadline) : deadline;
  }

  const size_t max_queue_size;
  const size_t max_batch_size;
  const std::chrono::milliseconds schedule_delay;
  const std::chrono::milliseconds export_timeout;
  const Resource resource;
  const SpanExportFunction export_spans;

  mutable std::mutex mutex;
  std::condition_variable wake;      // the exporter thread waits on it
  std::condition_variable progress;  // ForceFlush and Shutdown wait on it
  std::vector<SpanData> queue;
  // Spans are counted in queue order; exports run one at a time, oldest first, so "handled >= n"
  // means the first n queued spans have been exported.
  int64_t taken = 0;         // spans moved out of the queue into an export
  int64_t handled = 0;       // spans whose export returned
  int64_t flush_target = 0;  // a ForceFlush wants the first flush_target spans exported now
  bool stopping = false;
  Clock::time_point stop_deadline = Clock::time_point::max();
  bool finished = false;  // the exporter thread has left its loop
  BatchSpanProcessorStats stats;
};

BatchSpanProcessor::BatchSpanProcessor(BatchSpanProcessorOptions options,
                                       SpanExportFunction export_spans)
    : state_(std::make_shared<State>(std::move(options), std::move(export_spans))) {
  worker_ = std::thread([state = state_] { Run(state); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  const auto timeout = state_->export_timeout;
  (void)Shutdown(timeout.count() > 0 ? Clock::now() + timeout : Clock::time_point::max());
  std::lock_guard lock(thread_mutex_);
  // Still inside an export that overran its deadline: it finishes on its own, owning the state.
  if (worker_.joinable()) worker_.detach();
}

void BatchSpanProcessor::OnEnd(SpanData span) {
  State& s = *state_;
  bool wake = false;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopping || s.queue.size() >= s.max_queue_size) {
      ++s.stats.dropped;
      return;
    }
    s.queue.push_back(std::move(span));
    ++s.stats.queued;
    // The queue grows one span at a time, so it passes through every size: wake the thread
    // when it has been idle (its schedule delay starts) and when a batch is full.
    wake = s.queue.size() == 1 || s.queue.size() == s.max_batch_size;
  }
  if (wake) s.wake.notify_one();
}

bool BatchSpanProcessor::ForceFlush(Clock::time_point deadline) {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  const int64_t target = s.stats.queued;
  if (s.handled >= target) return true;
  if (target > s.flush_target) {
    s.flush_target = target;
    s.wake.notify_one();
  }
  WaitUntil(s.progress, lock, deadline, [&] { return s.handled >= target || s.finished; });
  return s.handled >= target;
}

bool BatchSpanProcessor::Shutdown(Clock::time_point deadline) {
  State& s = *state_;
  {
    std::unique_lock lock(s.mutex);
    if (!s.stopping) {
      s.stopping = true;
      s.stop_deadline = deadline;
      s.wake.notify_one();
    }
    if (!WaitUntil(s.progress, lock, deadline, [&] { return s.finished; })) return false;
  }
  {
    std::lock_guard lock(thread_mutex_);
    if (worker_.joinable()) worker_.join();
  }
  std::lock_guard lock(s.mutex);
  return s.handled == s.stats.queued;
}

BatchSpanProcessorStats BatchSpanProcessor::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

void BatchSpanProcessor::Run(const std::shared_ptr<State>& state) {
  State& s = *state;
  std::unique_lock lock(s.mutex);
  auto due = Clock::now() + s.schedule_delay;
  const auto export_now = [&] {
    return s.stopping || s.flush_target > s.taken || s.queue.size() >= s.max_batch_size;
  };
  std::vector<SpanData> batch;
  for (;;) {
    if (s.queue.empty()) {
      if (s.stopping) break;
      s.wake.wait(lock, [&] { return s.stopping || !s.queue.empty(); });
      due = Clock::now() + s.schedule_delay;  // the delay counts from a batch's first span
      continue;
    }
    // A partial batch waits for the schedule delay, unless a flush or shutdown wants it.
    s.wake.wait_until(lock, due, export_now);
    const auto now = Clock::now();
    if (s.stopping && now >= s.stop_deadline) {
      s.stats.dropped += static_cast<int64_t>(s.queue.size());
      s.taken += static_cast<int64_t>(s.queue.size());
      s.queue.clear();
      break;
    }
    const size_t count = std::min(s.queue.size(), s.max_batch_size);
    if (count == s.queue.size()) {
      batch.swap(s.queue);  // the common case: no span is moved under the lock
    } else {
      batch.assign(std::make_move_iterator(s.queue.begin()),
                   std::make_move_iterator(s.queue.begin() + static_cast<ptrdiff_t>(count)));
      s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<ptrdiff_t>(count));
    }
    s.taken += static_cast<int64_t>(count);
    const auto deadline = s.ExportDeadline(now);
    lock.unlock();
    const ExportResult result = s.export_spans(s.resource, std::move(batch), deadline);
    // Whatever the exporter left of it goes; the buffer stays as large as this batch, so that
    // the next swap hands OnEnd a queue that need not grow.
    batch.clear();
    batch.reserve(count);
    lock.lock();
    s.handled += static_cast<int64_t>(count);
    (result == ExportResult::kSuccess ? s.stats.exported : s.stats.failed) +=
        static_cast<int64_t>(count);
    s.progress.notify_all();
    due = Clock::now() + s.schedule_delay;
  }
  s.finished = true;
  s.progress.notify_all();
}

}  // namespace kfm::otel
