#include "otel/batch_span_processor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kfm::otel {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Generous: these bound waits for things that happen in microseconds, on a loaded machine.
constexpr auto kPatience = std::chrono::seconds(30);
constexpr milliseconds kHour{3600 * 1000};

SpanData NamedSpan(const std::string& name) {
  SpanData span;
  span.name = name;
  span.context.span_id = RandomSpanId();
  return span;
}

// Records every batch (span names) and the deadline it was given; can hold exports at a gate.
class RecordingExporter {
 public:
  ExportResult Export(const Resource& resource, std::vector<SpanData>&& spans,
                      Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& span : spans) names.push_back(span.name);
    batches_.push_back(std::move(names));
    deadlines_.push_back(deadline);
    if (!resource.attributes.empty()) resource_key_ = resource.attributes.front().first;
    ++entered_;
    changed_.notify_all();
    // A held export waits for Release, but never forever: a test that fails must still end.
    changed_.wait_for(lock, kPatience, [&] { return !held_; });
    return result_;
  }

  SpanExportFunction Function(const std::shared_ptr<RecordingExporter>& self) {
    return [self](const Resource& resource, std::vector<SpanData>&& spans,
                  Clock::time_point deadline) {
      return self->Export(resource, std::move(spans), deadline);
    };
  }

  void Hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }
  void FailExports() {
    std::lock_guard lock(mutex_);
    result_ = ExportResult::kFailure;
  }
  bool WaitForExports(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return entered_ >= count; });
  }
  bool WaitForSpans(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return SpanCountLocked() >= count; });
  }
  std::vector<std::vector<std::string>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<std::string> names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> all;
    for (const auto& batch : batches_) all.insert(all.end(), batch.begin(), batch.end());
    return all;
  }
  std::vector<Clock::time_point> deadlines() const {
    std::lock_guard lock(mutex_);
    return deadlines_;
  }
  std::string resource_key() const {
    std::lock_guard lock(mutex_);
    return resource_key_;
  }

 private:
  size_t SpanCountLocked() const {
    size_t count = 0;
    for (const auto& batch : batches_) count += batch.size();
    return count;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<Clock::time_point> deadlines_;
  std::string resource_key_;
  int entered_ = 0;
  bool held_ = false;
  ExportResult result_ = ExportResult::kSuccess;
};

BatchSpanProcessorOptions Options(int queue, int batch, milliseconds delay,
                                  milliseconds timeout = milliseconds(30000)) {
  BatchSpanProcessorOptions options;
  options.batch.max_queue_size = queue;
  options.batch.max_export_batch_size = batch;
  options.batch.schedule_delay = delay;
  options.batch.export_timeout = timeout;
  return options;
}

TEST(BatchSpanProcessorTest, DefaultsAreTheSpecification) {
  const BatchSpanProcessorOptions options;
  EXPECT_EQ(options.batch.max_queue_size, 2048);
  EXPECT_EQ(options.batch.schedule_delay, milliseconds(5000));
  EXPECT_EQ(options.batch.export_timeout, milliseconds(30000));
  EXPECT_EQ(options.batch.max_export_batch_size, 512);
}

TEST(BatchSpanProcessorTest, BatchesAreAtMostMaxExportBatchSize) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 7, kHour), exporter->Function(exporter));
  for (int i = 0; i < 50; ++i) processor.OnEnd(NamedSpan("s" + std::to_string(i)));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  const auto batches = exporter->batches();
  EXPECT_GE(batches.size(), 8u) << "50 spans in batches of at most 7";
  for (const auto& batch : batches) {
    EXPECT_FALSE(batch.empty());
    EXPECT_LE(batch.size(), 7u);
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) expected.push_back("s" + std::to_string(i));
  EXPECT_EQ(exporter->names(), expected) << "every span once, in order";
}

TEST(BatchSpanProcessorTest, FullBatchIsExportedWithoutWaitingForTheDelay) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 4, kHour), exporter->Function(exporter));
  for (int i = 0; i < 4; ++i) processor.OnEnd(NamedSpan("s"));
  ASSERT_TRUE(exporter->WaitForSpans(4)) << "a full batch goes out at once, no flush needed";
  EXPECT_EQ(exporter->batches().size(), 1u);
}

TEST(BatchSpanProcessorTest, ScheduleDelayExportsAPartialBatch) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 512, milliseconds(50)), exporter->Function(exporter));
  for (int i = 0; i < 3; ++i) processor.OnEnd(NamedSpan("s"));
  ASSERT_TRUE(exporter->WaitForSpans(3)) << "no flush: the schedule delay alone exports them";
  ASSERT_EQ(exporter->batches().size(), 1u);
  EXPECT_EQ(exporter->batches()[0].size(), 3u);
}

// The exporter thread, idle on an empty queue, slept through the first spans of a partial
// batch: only a full batch woke it, so the schedule delay never started.
TEST(BatchSpanProcessorTest, SpanIntoAnEmptyQueueWakesTheIdleExporterThread) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 512, milliseconds(50)), exporter->Function(exporter));
  processor.OnEnd(NamedSpan("first"));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  // Give the thread time to go back to waiting on the empty queue; the test holds either way.
  std::this_thread::sleep_for(milliseconds(200));
  processor.OnEnd(NamedSpan("second"));
  EXPECT_TRUE(exporter->WaitForSpans(2)) << "no flush: the schedule delay alone exports it";
}

TEST(BatchSpanProcessorTest, PartialBatchWaitsForTheScheduleDelay) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 512, kHour), exporter->Function(exporter));
  for (int i = 0; i < 3; ++i) processor.OnEnd(NamedSpan("s"));
  // A correct processor exports nothing for an hour; a wrong one would have by now.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(exporter->batches().empty());
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  EXPECT_EQ(exporter->names().size(), 3u);
}

TEST(BatchSpanProcessorTest, FullQueueDropsAndCounts) {
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->Hold();
  BatchSpanProcessor processor(Options(4, 2, kHour), exporter->Function(exporter));
  processor.OnEnd(NamedSpan("a0"));
  processor.OnEnd(NamedSpan("a1"));  // a full batch: the exporter thread takes it and blocks
  ASSERT_TRUE(exporter->WaitForExports(1));
  for (int i = 0; i < 4; ++i) processor.OnEnd(NamedSpan("b" + std::to_string(i)));  // fills it
  for (int i = 0; i < 3; ++i) processor.OnEnd(NamedSpan("dropped"));
  EXPECT_EQ(processor.stats().dropped, 3);
  EXPECT_EQ(processor.stats().queued, 6);
  exporter->Release();
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  const auto names = exporter->names();
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(std::count(names.begin(), names.end(), "dropped"), 0);
  const auto stats = processor.stats();
  EXPECT_EQ(stats.exported, 6);
  EXPECT_EQ(stats.dropped, 3);
}

TEST(BatchSpanProcessorTest, ForceFlushDeliversEverythingQueued) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessorOptions options = Options(100, 512, kHour);
  options.resource.attributes.emplace_back("service.name", std::string("test"));
  BatchSpanProcessor processor(std::move(options), exporter->Function(exporter));
  EXPECT_TRUE(processor.ForceFlush(Clock::now() + kPatience)) << "nothing queued: done";
  for (int i = 0; i < 10; ++i) processor.OnEnd(NamedSpan("s" + std::to_string(i)));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  EXPECT_EQ(exporter->names().size(), 10u);
  EXPECT_EQ(processor.stats().exported, 10);
  EXPECT_EQ(exporter->resource_key(), "service.name");
}

TEST(BatchSpanProcessorTest, FailedExportsAreCountedNotRetried) {
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->FailExports();
  BatchSpanProcessor processor(Options(100, 512, kHour), exporter->Function(exporter));
  for (int i = 0; i < 5; ++i) processor.OnEnd(NamedSpan("s"));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  ASSERT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  EXPECT_EQ(processor.stats().failed, 5);
  EXPECT_EQ(processor.stats().exported, 0);
  EXPECT_EQ(exporter->names().size(), 5u);
}

TEST(BatchSpanProcessorTest, ShutdownWithASlowExporterReturnsByItsDeadline) {
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->Hold();  // ignores its deadline until released
  {
    BatchSpanProcessor processor(Options(100, 1, kHour, milliseconds(60000)),
                                 exporter->Function(exporter));
    processor.OnEnd(NamedSpan("s"));
    ASSERT_TRUE(exporter->WaitForExports(1));
    const auto start = Clock::now();
    EXPECT_FALSE(processor.Shutdown(start + milliseconds(300))) << "the export did not finish";
    // The held export would keep a Shutdown that waits for it for kPatience (30 s).
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
    exporter->Release();
  }  // the destructor joins the released thread
  EXPECT_EQ(exporter->names().size(), 1u);
}

TEST(BatchSpanProcessorTest, ShutdownDeadlineBoundsTheExportDeadline) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 512, kHour, milliseconds(60 * 60 * 1000)),
                               exporter->Function(exporter));
  processor.OnEnd(NamedSpan("s"));
  const auto deadline = Clock::now() + kPatience;
  ASSERT_TRUE(processor.Shutdown(deadline));
  ASSERT_EQ(exporter->deadlines().size(), 1u);
  EXPECT_EQ(exporter->deadlines()[0], deadline)
      << "the exporter gets the earlier of its one-hour timeout and the shutdown deadline";
}

TEST(BatchSpanProcessorTest, ExportDeadlineIsTheExportTimeout) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 1, kHour, milliseconds(60000)),
                               exporter->Function(exporter));
  const auto before = Clock::now();
  processor.OnEnd(NamedSpan("s"));
  ASSERT_TRUE(exporter->WaitForExports(1));
  const auto after = Clock::now();
  ASSERT_EQ(exporter->deadlines().size(), 1u);
  EXPECT_GE(exporter->deadlines()[0], before + milliseconds(60000));
  EXPECT_LE(exporter->deadlines()[0], after + milliseconds(60000));
}

TEST(BatchSpanProcessorTest, DestructorAbandonsAnExportThatOverrunsItsTimeout) {
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->Hold();
  const auto start = Clock::now();
  {
    BatchSpanProcessor processor(Options(100, 1, kHour, milliseconds(200)),
                                 exporter->Function(exporter));
    processor.OnEnd(NamedSpan("s"));
    ASSERT_TRUE(exporter->WaitForExports(1));
  }  // Shutdown bounded by the 200 ms export timeout, then the thread is left to finish
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  exporter->Release();  // the detached thread owns the callback, which owns the exporter
}

TEST(BatchSpanProcessorTest, ShutdownFlushesAndIsIdempotent) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 512, kHour), exporter->Function(exporter));
  for (int i = 0; i < 3; ++i) processor.OnEnd(NamedSpan("s"));
  EXPECT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  EXPECT_EQ(exporter->names().size(), 3u);
  EXPECT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  processor.OnEnd(NamedSpan("late"));
  EXPECT_EQ(processor.stats().dropped, 1) << "after Shutdown a span is dropped and counted";
  EXPECT_EQ(exporter->names().size(), 3u);
  EXPECT_EQ(exporter->batches().size(), 1u);
}

TEST(BatchSpanProcessorTest, DestructorFlushesWhatIsQueued) {
  auto exporter = std::make_shared<RecordingExporter>();
  {
    BatchSpanProcessor processor(Options(100, 512, kHour), exporter->Function(exporter));
    processor.OnEnd(NamedSpan("s"));
  }
  EXPECT_EQ(exporter->names().size(), 1u) << "a short-lived process loses nothing at exit";
}

TEST(BatchSpanProcessorTest, NothingIsExportedTwice) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(100, 4, milliseconds(1)), exporter->Function(exporter));
  for (int i = 0; i < 10; ++i) processor.OnEnd(NamedSpan("a" + std::to_string(i)));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  for (int i = 0; i < 10; ++i) processor.OnEnd(NamedSpan("b" + std::to_string(i)));
  ASSERT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  ASSERT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  std::map<std::string, int> seen;
  for (const auto& name : exporter->names()) ++seen[name];
  EXPECT_EQ(seen.size(), 20u);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
}

// `threads` threads each end `per_thread` uniquely named spans at once.
void EndFromThreads(BatchSpanProcessor& processor, int threads, int per_thread) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&processor, t, per_thread] {
      for (int i = 0; i < per_thread; ++i) {
        processor.OnEnd(NamedSpan(std::to_string(t) + "/" + std::to_string(i)));
      }
    });
  }
  for (auto& worker : workers) worker.join();
}

TEST(BatchSpanProcessorTest, SpansFromSeveralThreadsArriveExactlyOnce) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(20000, 64, milliseconds(5)), exporter->Function(exporter));
  EndFromThreads(processor, 4, 2500);
  ASSERT_TRUE(processor.ForceFlush(Clock::now() + kPatience));
  auto names = exporter->names();
  ASSERT_EQ(names.size(), 10000u);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "a span twice";
  EXPECT_EQ(processor.stats().dropped, 0);
  EXPECT_EQ(processor.stats().exported, 10000);
}

TEST(BatchSpanProcessorTest, OverflowingQueueFromSeveralThreadsCountsEverySpanOnce) {
  auto exporter = std::make_shared<RecordingExporter>();
  BatchSpanProcessor processor(Options(16, 4, milliseconds(1)), exporter->Function(exporter));
  EndFromThreads(processor, 4, 1000);
  ASSERT_TRUE(processor.Shutdown(Clock::now() + kPatience));
  auto names = exporter->names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "a span twice";
  const auto stats = processor.stats();
  EXPECT_EQ(stats.exported, static_cast<int64_t>(names.size()));
  EXPECT_EQ(stats.exported + stats.dropped, 4000) << "every span exported or counted as dropped";
}

TEST(BatchSpanProcessorTest, ShutdownDropsWhatIsStillQueuedAtItsDeadline) {
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->Hold();
  BatchSpanProcessor processor(Options(100, 1, kHour, milliseconds(60000)),
                               exporter->Function(exporter));
  processor.OnEnd(NamedSpan("first"));
  ASSERT_TRUE(exporter->WaitForExports(1));  // held in its export
  processor.OnEnd(NamedSpan("second"));
  processor.OnEnd(NamedSpan("third"));
  EXPECT_FALSE(processor.Shutdown(Clock::now() + milliseconds(100)));
  exporter->Release();
  EXPECT_FALSE(processor.Shutdown(Clock::now() + kPatience)) << "two spans never went out";
  EXPECT_EQ(exporter->names(), std::vector<std::string>{"first"});
  EXPECT_EQ(processor.stats().dropped, 2);
}

}  // namespace
}  // namespace kfm::otel
