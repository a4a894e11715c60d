// TraceRequestToOtlpJson (the span bundle's direct writer) against the reference route,
// ToOtlpJson(BuildTraceRequest(...)) through protobuf's JSON printer: the same bytes for every
// kind of value, default and edge case, and for random doubles.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "otel/otlp_proto.h"

namespace kfm::otel {
namespace {

std::string Reference(const Resource& resource, const std::vector<SpanData>& spans,
                      const std::string& version) {
  return ToOtlpJson(BuildTraceRequest(resource, spans, version));
}

SpanData BasicSpan() {
  SpanData span;
  span.name = "etl.node.b";
  span.context.trace_id = TraceIdForRun("r1");
  span.context.span_id = RandomSpanId();
  span.start_unix_ns = 1764000000123456789;
  span.end_unix_ns = 1764000001123456789;
  return span;
}

TEST(OtlpJsonTest, EveryValueKindMatchesProtobufsPrinter) {
  Resource resource;
  resource.attributes = {{"service.name", std::string("kfm.etl.b")}, {"", std::string()}};
  SpanData span = BasicSpan();
  span.parent_span_id = RandomSpanId();
  span.trace_state = "vendor=a,other=b";
  span.attributes = {
      {"s", std::string("plain")},
      {"escapes", std::string("quote\" back\\ nl\n tab\t ctl\x01 \xc3\xa9 \xe2\x82\xac")},
      {"empty", std::string()},
      {"i0", int64_t{0}},
      {"ineg", int64_t{-42}},
      {"imax", std::numeric_limits<int64_t>::max()},
      {"imin", std::numeric_limits<int64_t>::min()},
      {"t", true},
      {"f", false}};
  for (double d : {0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   0.1,
                   1.0 / 3.0,
                   2.5e-7,
                   1e21,
                   1e22,
                   123456.789,
                   1e15,
                   1e16,
                   9007199254740993.0,
                   DBL_MAX,
                   DBL_MIN,
                   4.9e-324,
                   0.30000000000000004,
                   std::nan(""),
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    span.attributes.emplace_back("d", d);
  }
  SpanEvent event;
  event.name = "attempt";
  event.time_unix_ns = 1764000000500000000;
  event.attributes = {{"attempt", int64_t{1}}};
  span.events = {event, SpanEvent{}};
  span.status = StatusCode::kError;
  span.status_message = "exit 3";
  EXPECT_EQ(TraceRequestToOtlpJson(resource, {span}, "0.1.0"),
            Reference(resource, {span}, "0.1.0"));
}

TEST(OtlpJsonTest, DefaultsAreLeftOutAsProtobufLeavesThemOut) {
  SpanData bare;  // zero ids, no name, no times, flags 0, status unset
  bare.context.flags = 0;
  SpanData ok = BasicSpan();
  ok.status = StatusCode::kOk;  // no message
  ok.start_unix_ns = -5;        // before 1970: written as protobuf's fixed64 wraps it
  for (const std::vector<SpanData>& spans :
       {std::vector<SpanData>{}, std::vector<SpanData>{bare}, std::vector<SpanData>{ok, bare}}) {
    for (const std::string version : {"", "0.1.0"}) {
      EXPECT_EQ(TraceRequestToOtlpJson(Resource{}, spans, version),
                Reference(Resource{}, spans, version))
          << spans.size() << " spans, version '" << version << "'";
    }
  }
}

TEST(OtlpJsonTest, RandomDoublesMatchProtobufsPrinter) {
  std::mt19937_64 random(20261201);
  std::uniform_real_distribution<double> joules(0, 5000);
  SpanData span = BasicSpan();
  for (int i = 0; i < 2000; ++i) {
    const uint64_t bits = random();
    double any = 0;
    std::memcpy(&any, &bits, sizeof(any));
    span.attributes.emplace_back("any", any);
    span.attributes.emplace_back("joules", joules(random));
    span.attributes.emplace_back("rounded", std::round(joules(random) * 1000) / 1000);
  }
  EXPECT_EQ(TraceRequestToOtlpJson(Resource{}, {span}, "v"), Reference(Resource{}, {span}, "v"));
}

}  // namespace
}  // namespace kfm::otel
