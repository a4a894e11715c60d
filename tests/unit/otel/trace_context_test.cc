#include "otel/trace_context.h"

#include <gtest/gtest.h>

namespace kfm::otel {
namespace {

TEST(TraceContextTest, ParsesAndFormatsW3cTraceparent) {
  const std::string header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto context = ParseTraceparent(header);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(ToHex(context->trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(ToHex(context->span_id), "b7ad6b7169203331");
  EXPECT_EQ(context->flags, 1);
  EXPECT_EQ(FormatTraceparent(*context), header);
}

TEST(TraceContextTest, RejectsMalformedHeaders) {
  for (const char* bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
                          "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  // A future version may append fields.
  EXPECT_TRUE(
      ParseTraceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what").has_value());
}

TEST(TraceContextTest, RunTraceIdIsStableAndDistinct) {
  EXPECT_EQ(TraceIdForRun("nightly-1"), TraceIdForRun("nightly-1"));
  EXPECT_NE(TraceIdForRun("nightly-1"), TraceIdForRun("nightly-2"));
  EXPECT_NE(RandomSpanId(), RandomSpanId());
}

}  // namespace
}  // namespace kfm::otel
