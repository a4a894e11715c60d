#include "otel/spool.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "subprocess.h"

namespace kfm::otel {
namespace {

TEST(SpoolTest, KeepsRequestsInOrderWithReasonsUntilRemoved) {
  testing::TempDir dir;
  Spool spool(dir.path() + "/spool");
  EXPECT_TRUE(spool.List().empty());
  ASSERT_TRUE(spool.Put(Signal::kTraces, std::string("\x0a\x00\x01", 3), "HTTP 503").ok());
  ASSERT_TRUE(spool.Put(Signal::kMetrics, "metrics-bytes", "connection refused").ok());
  auto entries = spool.List();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].signal, Signal::kTraces);
  EXPECT_EQ(entries[1].signal, Signal::kMetrics);
  EXPECT_EQ(*spool.Read(entries[0]), std::string("\x0a\x00\x01", 3));
  EXPECT_EQ(spool.Reason(entries[0]), "HTTP 503");
  spool.SetReason(entries[1], "HTTP 400: bad");
  EXPECT_EQ(spool.Reason(entries[1]), "HTTP 400: bad");
  ASSERT_TRUE(spool.Remove(entries[0]).ok());
  entries = spool.List();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].signal, Signal::kMetrics);
}

TEST(SpoolTest, ManyWritersLoseNothing) {
  testing::TempDir dir;
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&dir, t] {
      Spool spool(dir.path());
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(spool.Put(Signal::kTraces, std::to_string(t * 100 + i), "down").ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  Spool spool(dir.path());
  const auto entries = spool.List();
  ASSERT_EQ(entries.size(), 200u);
  std::set<std::string> bodies;
  for (const auto& e : entries) bodies.insert(*spool.Read(e));
  EXPECT_EQ(bodies.size(), 200u);
}

}  // namespace
}  // namespace kfm::otel
