#include "complex_packing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace kfm::testing::hrrr {
namespace {

class BitWriter {
 public:
  void Put(uint64_t value, int bits) {
    for (int b = bits - 1; b >= 0; --b) {
      if (used_ == 0) bytes_.push_back(0);
      if ((value >> b) & 1U) bytes_.back() |= static_cast<char>(0x80U >> used_);
      used_ = (used_ + 1) % 8;
    }
  }
  void Align() { used_ = 0; }
  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  int used_ = 0;
};

int BitsFor(uint64_t value) {
  int bits = 0;
  while (value >> bits) ++bits;
  return bits;
}

void PutBig(std::string* out, uint64_t value, int octets) {
  for (int k = octets - 1; k >= 0; --k)
    out->push_back(static_cast<char>((value >> (8 * k)) & 0xFF));
}

// GRIB2's signed integers: sign bit then magnitude.
uint64_t SignMagnitude(int64_t value, int octets) {
  const uint64_t sign = uint64_t{1} << (8 * octets - 1);
  return value < 0 ? sign | static_cast<uint64_t>(-value) : static_cast<uint64_t>(value);
}

uint64_t ReadBig(const std::string& bytes, size_t at, int octets) {
  uint64_t value = 0;
  for (int k = 0; k < octets; ++k) value = (value << 8) | static_cast<unsigned char>(bytes[at + k]);
  return value;
}

}  // namespace

std::string WithComplexPacking(const std::string& message, const std::vector<double>& values,
                               int group_length) {
  if (message.size() < 20 || message.compare(0, 4, "GRIB") != 0 || values.size() < 3) return "";
  // Sections 1..7 follow the 16-byte section 0; keep all but 5 and 7.
  std::string head = message.substr(0, 16), middle, section6;
  size_t at = 16;
  while (at + 5 <= message.size() && message.compare(at, 4, "7777") != 0) {
    const auto length = static_cast<size_t>(ReadBig(message, at, 4));
    const int number = static_cast<unsigned char>(message[at + 4]);
    if (length < 5 || at + length > message.size()) return "";
    if (number == 6) section6 = message.substr(at, length);
    if (number < 5) middle += message.substr(at, length);
    at += length;
  }
  if (section6.empty() || static_cast<unsigned char>(section6[5]) != 255) return "";  // no bitmap

  // Scaled integers X = round((Y - R) / 2^E), D = 0, 16 bits over the range.
  const double lo = *std::min_element(values.begin(), values.end());
  const double hi = *std::max_element(values.begin(), values.end());
  float reference = static_cast<float>(lo);
  if (reference > lo)
    reference = std::nextafter(reference, -std::numeric_limits<float>::infinity());
  const int e = hi > lo ? static_cast<int>(std::ceil(std::log2((hi - reference) / 65535.0))) : 0;
  const double scale = std::ldexp(1.0, e);
  std::vector<int64_t> x(values.size());
  for (size_t k = 0; k < values.size(); ++k)
    x[k] = std::llround((values[k] - static_cast<double>(reference)) / scale);
  // Second-order differences from the third value on, made non-negative by their minimum.
  std::vector<int64_t> g(values.size(), 0);
  for (size_t k = 2; k < values.size(); ++k) g[k] = x[k] - 2 * x[k - 1] + x[k - 2];
  const int64_t bias = *std::min_element(g.begin() + 2, g.end());
  for (size_t k = 2; k < values.size(); ++k) g[k] -= bias;
  g[0] = g[1] = 0;

  const size_t n = values.size();
  const size_t groups = (n + group_length - 1) / group_length;
  std::vector<uint64_t> refs(groups), widths(groups);
  for (size_t gi = 0; gi < groups; ++gi) {
    const auto first = g.begin() + static_cast<long>(gi * group_length);
    const auto last = g.begin() + static_cast<long>(std::min(n, (gi + 1) * group_length));
    refs[gi] = static_cast<uint64_t>(*std::min_element(first, last));
    widths[gi] = static_cast<uint64_t>(
        BitsFor(static_cast<uint64_t>(*std::max_element(first, last)) - refs[gi]));
  }
  const int ref_bits = std::max(1, BitsFor(*std::max_element(refs.begin(), refs.end())));
  constexpr int kExtraOctets = 4;

  std::string s5;
  PutBig(&s5, 49, 4);
  s5.push_back(5);
  PutBig(&s5, n, 4);
  PutBig(&s5, 3, 2);  // template 5.3
  uint32_t r_bits = 0;
  std::memcpy(&r_bits, &reference, 4);
  PutBig(&s5, r_bits, 4);
  PutBig(&s5, SignMagnitude(e, 2), 2);
  PutBig(&s5, 0, 2);  // D
  s5.push_back(static_cast<char>(ref_bits));
  s5.push_back(0);  // floating point
  s5.push_back(1);  // general group splitting
  s5.push_back(0);  // no missing values
  PutBig(&s5, 0, 4);
  PutBig(&s5, 0, 4);
  PutBig(&s5, groups, 4);
  s5.push_back(0);                                      // reference for group widths
  s5.push_back(8);                                      // bits for group widths
  PutBig(&s5, static_cast<uint64_t>(group_length), 4);  // reference for group lengths
  s5.push_back(1);                                      // length increment
  PutBig(&s5, n - (groups - 1) * group_length, 4);      // true length of the last group
  s5.push_back(8);                                      // bits for scaled group lengths
  s5.push_back(2);                                      // second-order differencing
  s5.push_back(kExtraOctets);

  BitWriter bits;
  bits.Put(static_cast<uint64_t>(x[0]), 8 * kExtraOctets);
  bits.Put(static_cast<uint64_t>(x[1]), 8 * kExtraOctets);
  bits.Put(SignMagnitude(bias, kExtraOctets), 8 * kExtraOctets);
  for (uint64_t r : refs) bits.Put(r, ref_bits);
  bits.Align();
  for (uint64_t w : widths) bits.Put(w, 8);
  bits.Align();
  for (size_t gi = 0; gi < groups; ++gi) bits.Put(0, 8);  // lengths: the reference, scaled 0
  bits.Align();
  for (size_t k = 0; k < n; ++k) {
    const size_t gi = k / group_length;
    if (widths[gi] > 0)
      bits.Put(static_cast<uint64_t>(g[k]) - refs[gi], static_cast<int>(widths[gi]));
  }
  std::string s7;
  PutBig(&s7, bits.bytes().size() + 5, 4);
  s7.push_back(7);
  s7 += bits.bytes();

  std::string out = head + middle + s5 + section6 + s7 + "7777";
  for (int k = 0; k < 8; ++k) out[8 + k] = static_cast<char>((out.size() >> (8 * (7 - k))) & 0xFF);
  return out;
}

}  // namespace kfm::testing::hrrr
