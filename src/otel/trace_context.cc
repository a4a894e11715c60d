#include "otel/trace_context.h"

#include <sys/random.h>

#include <algorithm>
#include <bit>
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
  // FIPS 180-4, section 6.2. Written out because OpenSSL's first EVP_Digest in a process
  // registers every cipher and digest it has (about 15 % of a short `kfm-energy run`'s CPU).
  static constexpr std::array<uint32_t, 64> kK = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto compress = [&h](const uint8_t* block) {
    std::array<uint32_t, 64> w{};
    for (size_t t = 0; t < 16; ++t) {
      w[t] = (uint32_t{block[4 * t]} << 24) | (uint32_t{block[4 * t + 1]} << 16) |
             (uint32_t{block[4 * t + 2]} << 8) | uint32_t{block[4 * t + 3]};
    }
    for (size_t t = 16; t < 64; ++t) {
      const uint32_t s0 = std::rotr(w[t - 15], 7) ^ std::rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = std::rotr(w[t - 2], 17) ^ std::rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::array<uint32_t, 8> v = h;
    for (size_t t = 0; t < 64; ++t) {
      const uint32_t e = v[4];
      const uint32_t a = v[0];
      const uint32_t t1 = v[7] + (std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25)) +
                          ((e & v[5]) ^ (~e & v[6])) + kK[t] + w[t];
      const uint32_t t2 = (std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22)) +
                          ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
      v = {t1 + t2, a, v[1], v[2], v[3] + t1, e, v[5], v[6]};
    }
    for (size_t i = 0; i < 8; ++i) h[i] += v[i];
  };
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t full = data.size() / 64;
  for (size_t i = 0; i < full; ++i) compress(bytes + 64 * i);
  // The tail, the 0x80 marker, zeros, and the bit length (big-endian) in one or two blocks.
  std::array<uint8_t, 128> tail{};
  const size_t rest = data.size() % 64;
  if (rest > 0) std::memcpy(tail.data(), bytes + 64 * full, rest);
  tail[rest] = 0x80;
  const size_t tail_size = rest < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (size_t i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t offset = 0; offset < tail_size; offset += 64) compress(tail.data() + offset);
  Sha256Digest digest;
  for (size_t i = 0; i < 8; ++i) {
    for (size_t b = 0; b < 4; ++b) digest[4 * i + b] = static_cast<uint8_t>(h[i] >> (24 - 8 * b));
  }
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
