// The built-in SHA-256 behind TraceIdForRun against FIPS 180-2's examples and against
// OpenSSL's EVP_sha256 (which TraceIdForRun used before) at every padding boundary.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "otel/trace_context.h"

namespace kfm::otel {
namespace {

std::string OpenSslSha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return ToHex(digest, length);
}

std::string Sha256Hex(const std::string& data) {
  const Sha256Digest digest = Sha256(data);
  return ToHex(digest.data(), digest.size());
}

TEST(Sha256Test, MatchesFips180Examples) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, MatchesOpenSslAtEveryLengthAcrossTwoBlocks) {
  std::string data;
  for (int size = 0; size <= 200; ++size) {
    EXPECT_EQ(Sha256Hex(data), OpenSslSha256Hex(data)) << "length " << size;
    data += static_cast<char>('!' + (size * 37) % 90);
  }
  // Bytes above 0x7f (a signed char must not sign-extend into the words).
  const std::string high = "\xff\x80\xfe kfm \xc3\xa9";
  EXPECT_EQ(Sha256Hex(high), OpenSslSha256Hex(high));
}

TEST(Sha256Test, RunTraceIdIsTheOpenSslDigestsFirstHalf) {
  for (const std::string run_id : {"nightly-2026-11-25", "bench-run-overhead", "r", ""}) {
    const TraceId id = TraceIdForRun(run_id);
    EXPECT_EQ(ToHex(id), OpenSslSha256Hex("kfm-run:" + run_id).substr(0, 32)) << run_id;
  }
}

}  // namespace
}  // namespace kfm::otel
