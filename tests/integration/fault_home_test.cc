// Fault: KFM_HOME unwritable, read-only or full. Measurement never breaks what it measures:
// the wrapped command runs and its own exit status comes back; kfm-energy says clearly which
// file it could not write and why. The read-only and full cases mount a small tmpfs and skip
// when mounting is not permitted (not root, no CAP_SYS_ADMIN).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBinary = KFM_BINARY;

// The wrapped command leaves a mark outside KFM_HOME and exits 3.
std::vector<std::string> MarkAndExit3(const std::string& mark) {
  return {kBinary, "run",     "--node", "work",
          "--",    "/bin/sh", "-c",     "echo done > '" + mark + "'; exit 3"};
}

class FaultHomeTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }
  // A tmpfs of 64 KiB at <dir>/home, mounted with `options`; false when not permitted.
  bool MountSmallTmpfs(const std::string& options) {
    mount_point_ = dir_.path() + "/home";
    fs::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      skip_reason_ = std::string("cannot mount a tmpfs: ") + std::strerror(errno);
      return false;
    }
    mounted_ = true;
    return true;
  }
  std::string Mark() const { return dir_.path() + "/mark"; }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
  std::string skip_reason_;
};

TEST_F(FaultHomeTest, HomeThatCannotBeCreatedKeepsTheCommandsStatus) {
  // KFM_HOME below a regular file: ENOTDIR for everyone, root included.
  WriteFile(dir_.path() + "/file", "not a directory\n");
  const std::string home = dir_.path() + "/file/home";
  const auto result = RunCommand(MarkAndExit3(Mark()), IsolatedRunEnv(home, "nohome-1"));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(ReadFile(Mark()), "done\n") << "the command ran";
  EXPECT_NE(result.err.find(dir_.path() + "/file"), std::string::npos)
      << "names the path it could not write: " << result.err;
  EXPECT_NE(result.err.find("Not a directory"), std::string::npos) << result.err;
}

TEST_F(FaultHomeTest, ReadOnlyHomeKeepsTheCommandsStatusAndSaysWhy) {
  if (!MountSmallTmpfs("size=64k")) GTEST_SKIP() << skip_reason_;
  ASSERT_EQ(::mount("tmpfs", mount_point_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0)
      << std::strerror(errno);
  const auto result = RunCommand(MarkAndExit3(Mark()), IsolatedRunEnv(mount_point_, "ro-1"));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(ReadFile(Mark()), "done\n");
  EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(mount_point_), std::string::npos) << result.err;

  // A pipeline's nodes still run and its result is the nodes' result.
  WriteFile(dir_.path() + "/p.yaml",
            "pipeline: ro\nnodes:\n  one: {run: [/bin/sh, -c, 'echo one > " + Mark() + "']}\n");
  const auto pipeline = RunCommand({kBinary, "pipeline", "run", "-q", dir_.path() + "/p.yaml"},
                                   IsolatedRunEnv(mount_point_, "ro-2"));
  EXPECT_EQ(pipeline.exit_code, 0) << pipeline.err;
  EXPECT_EQ(ReadFile(Mark()), "one\n");
  EXPECT_NE(pipeline.err.find("Read-only file system"), std::string::npos) << pipeline.err;
}

TEST_F(FaultHomeTest, FullHomeKeepsTheCommandsStatusAndSaysWhy) {
  if (!MountSmallTmpfs("size=64k")) GTEST_SKIP() << skip_reason_;
  fs::create_directories(mount_point_ + "/telemetry");
  {
    // Fill it: write until the file system refuses.
    std::ofstream filler(mount_point_ + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (int i = 0; i < 64 && filler; ++i) filler.write(block.data(), block.size());
  }
  const auto result = RunCommand(MarkAndExit3(Mark()), IsolatedRunEnv(mount_point_, "full-1"));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(ReadFile(Mark()), "done\n");
  EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
  // Whatever did get written is whole: a span file, when present, holds complete lines only.
  const std::string spans = mount_point_ + "/telemetry/otel/spans-kfm-run-full-1.json";
  if (fs::exists(spans)) {
    const std::string text = ReadFile(spans);
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "a torn span line";
  }
}

}  // namespace
}  // namespace kfm::testing
