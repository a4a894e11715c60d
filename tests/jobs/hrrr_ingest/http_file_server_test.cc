// tests/support/http_file_server.mjs, the loopback server the jobs' HTTP tests rely on,
// driven through the jobs' own fetcher (jobs/common/http_fetch.h): ranges, refusals, the
// required header and the request log.
#include <gtest/gtest.h>

#include <filesystem>

#include "file_server.h"
#include "http_fetch.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

using jobs::ByteRange;
using jobs::Fetch;
using jobs::FetchOptions;

class HttpFileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/www/sub");
    WriteFile(dir_.path() + "/www/sub/data.bin", kBody);
    WriteFile(dir_.path() + "/secret.txt", "outside the root");
  }
  std::string Root() const { return dir_.path() + "/www"; }
  static constexpr char kBody[] = "0123456789abcdefghij";  // 20 bytes
  FetchOptions options_{.headers = {}, .timeout_s = 10, .retries = 0};
  TempDir dir_;
};

TEST_F(HttpFileServerTest, ServesWholeFilesAndRanges) {
  FileServer server(Root());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url("/sub/data.bin");
  EXPECT_EQ(*Fetch(url, options_), kBody);
  EXPECT_EQ(*Fetch(url, options_, ByteRange{5, 9}), "56789");
  EXPECT_EQ(*Fetch(url, options_, ByteRange{15, std::nullopt}), "fghij");
  EXPECT_EQ(*Fetch(url, options_, ByteRange{18, 100}), "ij");  // cut to the end
  const auto log = server.Requests();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0]["status"], 200);
  EXPECT_TRUE(log[0]["range"].is_null());
  EXPECT_EQ(log[1]["range"], "bytes=5-9");
  EXPECT_EQ(log[1]["status"], 206);
  EXPECT_EQ(log[1]["bytes"], 5);
  EXPECT_EQ(log[2]["range"], "bytes=15-");
  EXPECT_EQ(log[3]["bytes"], 2);
  EXPECT_EQ(log[1]["path"], "/sub/data.bin");
  EXPECT_EQ(log[1]["method"], "GET");
}

TEST_F(HttpFileServerTest, UnsatisfiableRangesAre416) {
  FileServer server(Root());
  ASSERT_TRUE(server.ok()) << server.error();
  auto past = Fetch(server.Url("/sub/data.bin"), options_, ByteRange{20, std::nullopt});
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("HTTP 416"), std::string::npos) << past.status().message();
  auto backwards = Fetch(server.Url("/sub/data.bin"), options_, ByteRange{9, 5});
  EXPECT_FALSE(backwards.ok());
  EXPECT_EQ(server.Requests().back()["status"], 416);
}

TEST_F(HttpFileServerTest, NothingOutsideTheRootAndNoListings) {
  FileServer server(Root());
  ASSERT_TRUE(server.ok()) << server.error();
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/sub", "/sub/", "/none"}) {
    auto result = Fetch(server.Url(path), options_);
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_EQ(result.status().code(), Status::Code::kNotFound) << path;
  }
}

TEST_F(HttpFileServerTest, RequiredHeaderAnd401WithoutItsValueInTheLog) {
  FileServer server(Root(), {"--require-header", "X-Api-Key=s3cret"});
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.Url("/sub/data.bin");
  auto refused = Fetch(url, options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("HTTP 401"), std::string::npos);
  FetchOptions keyed = options_;
  keyed.headers = {{"X-Api-Key", "s3cret"}};
  EXPECT_EQ(*Fetch(url, keyed), kBody);
  keyed.headers = {{"X-Api-Key", "wrong"}};
  EXPECT_FALSE(Fetch(url, keyed).ok());
  const auto log = server.Requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["status"], 401);
  EXPECT_EQ(log[1]["status"], 200);
  const auto& names = log[1]["headers"];
  EXPECT_NE(std::find(names.begin(), names.end(), "x-api-key"), names.end());
  EXPECT_EQ(ReadFile(dir_.path() + "/www/sub/data.bin"), kBody);
  for (const auto& entry : log) EXPECT_EQ(entry.dump().find("s3cret"), std::string::npos);
}

TEST_F(HttpFileServerTest, ConfiguredStatusAndServersWithoutRanges) {
  FileServer failing(Root(), {"--status", "/sub/data.bin=503"});
  ASSERT_TRUE(failing.ok()) << failing.error();
  auto unavailable = Fetch(failing.Url("/sub/data.bin"), options_);
  EXPECT_EQ(unavailable.status().code(), Status::Code::kUnavailable);

  FileServer plain(Root(), {"--no-range"});
  ASSERT_TRUE(plain.ok()) << plain.error();
  // The whole body comes back (200) and the fetcher cuts the range out itself.
  EXPECT_EQ(*Fetch(plain.Url("/sub/data.bin"), options_, ByteRange{2, 4}), "234");
  EXPECT_EQ(plain.Requests().back()["status"], 200);
  EXPECT_EQ(plain.Requests().back()["bytes"], 20);
}

}  // namespace
}  // namespace kfm::testing
