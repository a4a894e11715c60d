// Fault: the wall clock jumps during a run (an NTP step, `date -s`, a VM resumed). Span
// timestamps come from the wall clock, durations from the monotonic clock
// (src/meter/wall_clock.h), so a jump neither stretches, shrinks nor reverses a span, nor moves
// a node span out of its run span. The jump is real to the process: Debian's libfaketime is
// preloaded with FAKETIME_DONT_FAKE_MONOTONIC=1 and its offset file is rewritten by the node
// itself half way through (FAKETIME_NO_CACHE=1 makes every clock read see the new offset).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
// The thread-safe build: `kfm-energy run` reads the clock on more than one thread.
constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

using Span = FileSpan;

std::map<std::string, Span> ReadSpans(const std::string& path) { return ReadSpansByName(path); }

// timing.duration_s of a node span (-1 when the span has none).
double DurationAttribute(const Span& span) {
  const auto found = span.attrs.find("timing.duration_s");
  return found == span.attrs.end() ? -1.0 : found->second.value("doubleValue", -1.0);
}

int64_t RealNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FaultClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFaketime)) {
      GTEST_SKIP() << kFaketime << " is missing: scripts/bootstrap installs Debian's libfaketime";
    }
    offset_file_ = dir_.path() + "/faketime-offset";
    WriteFile(offset_file_, "+0\n");
  }

  // The isolated run environment with the preloaded fake wall clock.
  std::vector<std::string> Env(const std::string& run_id) const {
    std::string asan = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
    // ASan wants its runtime first in the library list; libfaketime only wraps clock calls.
    asan += std::string(asan.empty() ? "" : ":") + "verify_asan_link_order=0";
    return IsolatedRunEnv(
        home(), run_id,
        {std::string("LD_PRELOAD=") + kFaketime, "FAKETIME_TIMESTAMP_FILE=" + offset_file_,
         "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1", "ASAN_OPTIONS=" + asan});
  }

  // A shell command that sleeps, moves the wall clock by `jump` (libfaketime syntax: "-1h",
  // "+2d"), and sleeps again.
  std::string JumpingNode(const std::string& jump) const {
    return "sleep 0.3; echo '" + jump + "' > '" + offset_file_ + "'; sleep 0.5";
  }

  [[nodiscard]] std::string home() const { return dir_.path() + "/home"; }

  TempDir dir_;
  std::string offset_file_;
};

void ExpectMonotonicDuration(const Span& span, const std::string& name) {
  const double seconds = span.seconds();
  EXPECT_GT(seconds, 0.7) << name << ": the node slept 0.8 s";
  EXPECT_LT(seconds, 30.0) << name << ": stretched by the jump";
  if (DurationAttribute(span) >= 0) {
    EXPECT_NEAR(seconds, DurationAttribute(span), 0.002) << name << ": end - start is the duration";
  }
}

TEST_F(FaultClockTest, BackwardJumpDuringRunNeitherShrinksNorReversesTheSpans) {
  const int64_t before = RealNowNs();
  auto result =
      RunCommand({kBinary, "run", "-q", "--node", "jump", "--", "sh", "-c", JumpingNode("-1h")},
                 Env("clock-back"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The jump really happened to the process: its own `date` sees it.
  auto moved = RunCommand({"/bin/date", "+%s"}, Env("unused"));
  EXPECT_LT(std::stoll(moved.out), before / 1000000000 - 3000) << moved.out;

  auto spans = ReadSpans(home() + "/telemetry/otel/spans-kfm-run-clock-back.json");
  ASSERT_EQ(spans.count("etl.node.jump"), 1u);
  const Span& node = spans["etl.node.jump"];
  ExpectMonotonicDuration(node, "etl.node.jump");
  // Timestamps are the wall clock's at the start: the real time of this test, not an hour off.
  EXPECT_NEAR(static_cast<double>(node.start - before) / 1e9, 0.0, 10.0);

  // The energy and carbon documents carry the same monotonic duration and valid files.
  const auto energy =
      nlohmann::json::parse(ReadFile(home() + "/telemetry/energy/kfm-run-clock-back.json"));
  ASSERT_EQ(energy["nodes"].size(), 1u);
  EXPECT_NEAR(energy["nodes"][0]["duration_s"].get<double>(), DurationAttribute(node), 0.002);
  auto validate =
      RunCommand({kBinary, "validate", home() + "/telemetry/otel/spans-kfm-run-clock-back.json",
                  home() + "/telemetry/energy/kfm-run-clock-back.json",
                  home() + "/telemetry/carbon/kfm-run-clock-back.json"});
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
}

TEST_F(FaultClockTest, ForwardJumpInAPipelineKeepsNodesInOrderInsideTheRun) {
  const std::string file = dir_.path() + "/p.yaml";
  WriteFile(file,
            "pipeline: clock\n"
            "nodes:\n"
            "  first:\n"
            "    shell: \"" +
                JumpingNode("+2d") +
                "\"\n"
                "  second: {needs: first, shell: 'sleep 0.2'}\n");
  const int64_t before = RealNowNs();
  auto result = RunCommand({kBinary, "pipeline", "run", "-q", file}, Env("clock-fwd"));
  ASSERT_EQ(result.exit_code, 0) << result.err;

  auto spans = ReadSpans(home() + "/telemetry/otel/spans-kfm-run-clock-fwd.json");
  ASSERT_EQ(spans.count("etl.node.first"), 1u);
  ASSERT_EQ(spans.count("etl.node.second"), 1u);
  ASSERT_EQ(spans.count("etl.run"), 1u);
  const Span& first = spans["etl.node.first"];
  const Span& second = spans["etl.node.second"];
  const Span& run = spans["etl.run"];
  ExpectMonotonicDuration(first, "etl.node.first");
  EXPECT_GE(second.start, first.end) << "second starts after first ends";
  EXPECT_LT(static_cast<double>(second.start - first.end) / 1e9, 10.0)
      << "no two-day gap between the nodes";
  EXPECT_NEAR(static_cast<double>(first.start - before) / 1e9, 0.0, 10.0);
  for (const Span* node : {&first, &second}) {
    EXPECT_LE(run.start, node->start);
    EXPECT_GE(run.end, node->end);
  }
  EXPECT_LT(static_cast<double>(run.end - run.start) / 1e9, 30.0) << "run not stretched";

  // The carbon record's hourly split covers the real hours, not two days later.
  const auto carbon =
      nlohmann::json::parse(ReadFile(home() + "/telemetry/carbon/kfm-run-clock-fwd.json"));
  for (const auto& node : carbon["nodes"]) {
    EXPECT_LE(node["hours"].size(), 2u) << node;
  }
}

}  // namespace
}  // namespace kfm::testing
