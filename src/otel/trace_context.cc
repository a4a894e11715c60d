// SHA256_Init/Update/Final are deprecated in OpenSSL 3 (see Sha256 below).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "otel/trace_context.h"

#include <openssl/sha.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>

namespace kfm::otel {
namespace {

void FillRandom(uint8_t* bytes, size_t size) {
  do {
    size_t filled = 0;
    while (filled < size) {
      const ssize_t n = ::getrandom(bytes + filled, size - filled, 0);
      if (n > 0) filled += static_cast<size_t>(n);
    }
  } while (std::all_of(bytes, bytes + size, [](uint8_t b) { return b == 0; }));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not valid in traceparent
}

bool ParseHex(std::string_view text, uint8_t* out, size_t size) {
  if (text.size() != size * 2) return false;
  for (size_t i = 0; i < size; ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

std::string ToHex(const uint8_t* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return hex;
}

TraceId RandomTraceId() {
  TraceId id;
  FillRandom(id.data(), id.size());
  return id;
}

SpanId RandomSpanId() {
  SpanId id;
  FillRandom(id.data(), id.size());
  return id;
}

Sha256Digest Sha256(std::string_view data) {
  // OpenSSL's own SHA-256 block functions, not EVP: the first EVP digest of a process
  // activates the default provider and registers every algorithm it has (about 15 % of a
  // short `kfm-energy run`'s CPU, 0.5-1 ms); SHA256_Init/Update/Final need no set-up (10 us).
  // OpenSSL 3 deprecates them in favour of EVP but keeps them; the tests compare the two.
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  Sha256Digest digest;
  SHA256_Final(digest.data(), &context);
  return digest;
}

TraceId TraceIdForRun(std::string_view run_id) {
  const Sha256Digest digest = Sha256("kfm-run:" + std::string(run_id));
  TraceId id;
  std::memcpy(id.data(), digest.data(), id.size());
  if (std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; })) id[15] = 1;
  return id;
}

std::optional<SpanContext> ParseTraceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" trace-flags; future versions may append fields.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-')
    return std::nullopt;
  uint8_t version = 0;
  if (!ParseHex(header.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
  if (version == 0 && header.size() != 55) return std::nullopt;
  if (version != 0 && header.size() > 55 && header[55] != '-') return std::nullopt;
  SpanContext context;
  if (!ParseHex(header.substr(3, 32), context.trace_id.data(), 16)) return std::nullopt;
  if (!ParseHex(header.substr(36, 16), context.span_id.data(), 8)) return std::nullopt;
  if (!ParseHex(header.substr(53, 2), &context.flags, 1)) return std::nullopt;
  auto zero = [](const auto& id) {
    return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
  };
  if (zero(context.trace_id) || zero(context.span_id)) return std::nullopt;
  return context;
}

std::string FormatTraceparent(const SpanContext& context) {
  return "00-" + ToHex(context.trace_id) + "-" + ToHex(context.span_id) + "-" +
         ToHex(&context.flags, 1);
}

}  // namespace kfm::otel
