// W3C Trace Context: trace and span ids, and the `traceparent` header that carries them to
// child processes (TRACEPARENT). Values only; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kfm::otel {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  uint8_t flags = 1;  // sampled
};

std::string ToHex(const uint8_t* bytes, size_t size);
inline std::string ToHex(const TraceId& id) { return ToHex(id.data(), id.size()); }
inline std::string ToHex(const SpanId& id) { return ToHex(id.data(), id.size()); }

TraceId RandomTraceId();
SpanId RandomSpanId();
// SHA-256 of `data` (OpenSSL's implementation, without EVP's one-time set-up).
using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest Sha256(std::string_view data);

// A trace id derived from the run id (the first 16 bytes of SHA-256 of "kfm-run:" + run id), so
// every process of one run (on any machine) lands in the same trace without talking to each other.
TraceId TraceIdForRun(std::string_view run_id);

// Parses "00-<32 hex>-<16 hex>-<2 hex>"; nullopt for anything malformed or all-zero ids.
std::optional<SpanContext> ParseTraceparent(std::string_view header);
std::string FormatTraceparent(const SpanContext& context);

}  // namespace kfm::otel
