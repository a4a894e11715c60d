// Test helper program: `kfm_burn SECONDS` uses SECONDS of its own CPU time and exits, so a
// test knows exactly how much CPU a workload used however loaded the machine is.
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
  const double target = argc > 1 ? std::atof(argv[1]) : 0.5;
  for (;;) {
    timespec used{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
    if (static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) * 1e-9 >= target)
      return 0;
  }
}
