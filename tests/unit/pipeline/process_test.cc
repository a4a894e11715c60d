// Spawn: the child gets exactly its argv and environment, exec failures come back as errors
// (not as a child that exits 127 unexplained), and many spawns from a process with a large
// heap stay correct (the vfork-style clone shares the parent's memory until exec).
#include "pipeline/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::pipeline {
namespace {

int WaitExit(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(SpawnTest, ChildGetsItsArgvAndEnvironment) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/out";
  SpawnRequest request;
  request.program = "/bin/sh";
  request.argv = {"sh", "-c", "printf '%s|%s|%s' \"$0\" \"$KFM_X\" \"$1\" > " + out, "zero", "one"};
  request.env = {"KFM_X=forty two", "PATH=/usr/bin:/bin"};
  auto pid = Spawn(request);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  EXPECT_EQ(WaitExit(*pid), 0);
  EXPECT_EQ(testing::ReadFile(out), "zero|forty two|one");
}

TEST(SpawnTest, ExecFailureIsReportedWithItsReason) {
  testing::TempDir dir;
  const std::string not_a_binary = dir.path() + "/garbage";
  testing::WriteFile(not_a_binary,
                     "\x7f"
                     "ELF but not really");
  ::chmod(not_a_binary.c_str(), 0755);
  SpawnRequest request;
  request.program = not_a_binary;
  request.argv = {"garbage"};
  auto pid = Spawn(request);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("cannot run '" + not_a_binary + "'"), std::string::npos)
      << pid.status().message();
  EXPECT_NE(pid.status().message().find("Exec format error"), std::string::npos)
      << pid.status().message();
}

TEST(SpawnTest, ManySpawnsFromALargeHeapEachRunTheirOwnCommand) {
  // 64 MB touched in the parent: with fork it would be page tables to copy each time.
  std::vector<char> heap(64 << 20, 'x');
  testing::TempDir dir;
  for (int i = 0; i < 50; ++i) {
    SpawnRequest request;
    request.program = "/bin/sh";
    request.argv = {"sh", "-c", "exit " + std::to_string(i % 7)};
    auto pid = Spawn(request);
    ASSERT_TRUE(pid.ok()) << pid.status().message();
    EXPECT_EQ(WaitExit(*pid), i % 7);
  }
  EXPECT_EQ(heap[12345], 'x');  // the children never wrote the parent's memory
  EXPECT_EQ(heap.back(), 'x');
}

}  // namespace
}  // namespace kfm::pipeline
