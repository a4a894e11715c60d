#include "pipeline/process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

struct ChildPlan {
  const SpawnRequest* request;
  char* const* argv;
  char* const* envp;
  int report_fd;  // write end of the close-on-exec pipe that carries exec's errno
  int unused_fd;  // read end, closed in the child
  bool born_in_group;
};

// The child between clone and exec: async-signal-safe calls only, and with CLONE_VM it must
// not touch the parent's heap (it may read it: the parent is suspended until exec).
[[noreturn]] void ChildMain(void* arg) {
  const ChildPlan& plan = *static_cast<const ChildPlan*>(arg);
  ::close(plan.unused_fd);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE})
    ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!plan.born_in_group && plan.request->join_cgroup_fd >= 0) {
    if (::write(plan.request->join_cgroup_fd, "0\n", 2) < 0) {
      // Not fatal: the node then runs outside its group and is counted by /proc instead.
    }
  }
  ::execve(plan.request->program.c_str(), plan.argv, plan.envp);
  const int err = errno;
  if (::write(plan.report_fd, &err, sizeof(err)) < 0) {
  }
  ::_exit(127);
}

#if defined(__x86_64__) && defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
// clone3(CLONE_VM | CLONE_VFORK [| CLONE_INTO_CGROUP]) as posix_spawn does: the child borrows
// the parent's memory until it execs, so nothing is copied. fork() copies the page tables of
// the whole runner (tens of MB once a pipeline has run hundreds of nodes) only for exec to
// throw them away. The child runs ChildMain on its own stack; the parent is suspended until
// the exec, so one stack serves every spawn. Returns -1 with errno when clone3 refuses.
long Clone3Vfork(struct clone_args* args, ChildPlan* plan) {
  alignas(64) static unsigned char stack[64 * 1024];
  args->stack = reinterpret_cast<uint64_t>(stack);
  args->stack_size = sizeof(stack);
  long ret;
  void (*entry)(void*) = ChildMain;
  // The kernel keeps every register but rax, rcx and r11 across syscall, so the child still
  // has `entry` and `plan`, on the new stack (16-byte aligned; the call pushes 8, as the ABI
  // wants at a function's entry). ChildMain never returns.
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "mov %[plan], %%rdi\n\t"
      "call *%[entry]\n\t"
      "ud2\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(static_cast<long>(SYS_clone3)), "D"(args),
        "S"(sizeof(*args)), [entry] "r"(entry), [plan] "r"(plan)
      : "rcx", "r11", "memory");
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}
#endif

// Starts the child: clone3 with CLONE_VM | CLONE_VFORK where it can (born in its cgroup when
// a group is given), else fork(). `plan.born_in_group` says whether it was born in the group.
pid_t StartChild(const SpawnRequest& request, ChildPlan& plan) {
  plan.born_in_group = false;
#if defined(__x86_64__) && defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
  struct clone_args args {};
  args.flags = CLONE_VM | CLONE_VFORK;
  args.exit_signal = SIGCHLD;
  if (request.cgroup_dir_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(request.cgroup_dir_fd);
    plan.born_in_group = true;
  }
  long pid = Clone3Vfork(&args, &plan);
  if (pid < 0 && request.cgroup_dir_fd >= 0) {
    // EINVAL/EPERM for the group (or an older kernel): without it, and a migration instead.
    plan.born_in_group = false;
    args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
    args.cgroup = 0;
    pid = Clone3Vfork(&args, &plan);
  }
  if (pid >= 0) return static_cast<pid_t>(pid);
    // ENOSYS (kernel before 5.3): plain fork.
#endif
  const pid_t pid_forked = ::fork();
  if (pid_forked == 0) ChildMain(&plan);
  return pid_forked;
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
  ChildPlan plan{&request, argv.data(), envp.data(), report[1], report[0], false};
  const pid_t pid = StartChild(request, plan);
  if (pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return Status::IoError(std::string("fork: ") + std::strerror(err));
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
                        const std::function<void(pid_t, const struct rusage&)>& on_reaped,
                        const std::function<void()>& on_tick) {
  ExitInfo info;
  constexpr auto kTick = std::chrono::seconds(1);
  auto next_tick = std::chrono::steady_clock::now() + kTick;
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
    int sig = -1;
    if (!on_tick) {
      sig = ::sigwaitinfo(&block.set(), &si);
    } else {
      // A deadline, not a fixed timeout: orphans' SIGCHLDs less than a second apart must not
      // postpone the tick for ever.
      auto now = std::chrono::steady_clock::now();
      if (now >= next_tick) {
        on_tick();
        now = std::chrono::steady_clock::now();
        next_tick = now + kTick;
      }
      const auto wait_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(next_tick - now).count();
      const struct timespec timeout = {static_cast<time_t>(wait_ns / 1000000000),
                                       static_cast<long>(wait_ns % 1000000000)};
      sig = ::sigtimedwait(&block.set(), &si, &timeout);
    }
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
