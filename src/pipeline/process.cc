#include "pipeline/process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

extern char** environ;

namespace kfm::pipeline {

SignalBlock::SignalBlock() {
  sigemptyset(&set_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set_, sig);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

SignalBlock::~SignalBlock() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

Result<std::string> ResolveProgram(const std::string& program) {
  if (program.empty()) return Status::InvalidArgument("empty command");
  auto executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    if (executable(program)) return program;
    return Status::NotFound(
        "cannot run '" + program +
        "': " + (::access(program.c_str(), F_OK) == 0 ? "not an executable file" : "no such file"));
  }
  const char* path_env = std::getenv("PATH");
  std::istringstream dirs(path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (executable(candidate)) return candidate;
  }
  return Status::NotFound("cannot run '" + program + "': command not found on PATH");
}

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& o : overrides) replaced |= o.substr(0, o.find('=')) == key;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

namespace {

// fork(), or clone3(CLONE_INTO_CGROUP) when a group is given: the child is born in the group,
// which costs a tenth of a millisecond where moving it there afterwards costs tens.
pid_t ForkInto(int cgroup_dir_fd, bool* born_in_group) {
  *born_in_group = false;
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
  if (cgroup_dir_fd >= 0) {
    struct clone_args args {};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_dir_fd);
    const long pid = ::syscall(SYS_clone3, &args, sizeof(args));
    if (pid >= 0) {
      *born_in_group = true;
      return static_cast<pid_t>(pid);
    }
    // ENOSYS (kernel before 5.7) or EINVAL/EPERM: fall back to fork and a migration.
  }
#endif
  return ::fork();
}

}  // namespace

Result<pid_t> Spawn(const SpawnRequest& request) {
  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    return Status::IoError(std::string("pipe: ") + std::strerror(errno));
  bool born_in_group = false;
  const pid_t pid = ForkInto(request.cgroup_dir_fd, &born_in_group);
  if (pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return Status::IoError(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only until exec.
    ::close(report[0]);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE})
      ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!born_in_group && request.join_cgroup_fd >= 0) {
      if (::write(request.join_cgroup_fd, "0\n", 2) < 0) {
        // Not fatal: the node then runs outside its group and is counted by /proc instead.
      }
    }
    ::execve(request.program.c_str(), argv.data(), envp.data());
    const int err = errno;
    if (::write(report[1], &err, sizeof(err)) < 0) {
    }
    ::_exit(127);
  }
  ::close(report[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof(child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return Status::IoError("cannot run '" + request.program + "': " + std::strerror(child_errno));
  }
  return pid;
}

ExitInfo WaitForwarding(pid_t pid, const SignalBlock& block,
                        const std::function<void(pid_t, const struct rusage&)>& on_reaped) {
  ExitInfo info;
  for (;;) {
    // Reap everything that has ended: the child, or orphans handed to us as subreaper.
    for (;;) {
      int status = 0;
      struct rusage usage {};
      const pid_t done = ::wait4(-1, &status, WNOHANG, &usage);
      if (done <= 0) break;
      if (done == pid) {
        info.usage = usage;
        if (WIFSIGNALED(status)) {
          info.signal = WTERMSIG(status);
          info.exit_code = 128 + info.signal;
        } else {
          info.exit_code = WEXITSTATUS(status);
        }
        if (on_reaped) on_reaped(done, usage);
        return info;
      }
      if (on_reaped) on_reaped(done, usage);
    }
    siginfo_t si{};
    const int sig = ::sigwaitinfo(&block.set(), &si);
    if (sig < 0 || sig == SIGCHLD) continue;
    // From the terminal (si_code > 0, kernel-generated) the child, in our process group,
    // already has it; from kill(2) or an orchestrator it must be passed on.
    if (si.si_code == SI_USER || si.si_code == SI_QUEUE || si.si_code == SI_TKILL) {
      ::kill(pid, sig);
      info.forwarded_signal = sig;
    }
  }
}

}  // namespace kfm::pipeline
