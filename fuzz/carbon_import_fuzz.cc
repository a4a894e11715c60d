// libFuzzer target for CheckCarbonImport (fuzz/checks.h): a crash, a sanitizer report or a broken
// property aborts with the input kept in build/fuzz/artifacts/.
#include <cstdio>
#include <cstdlib>

#include "fuzz/checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string problem = kfm::fuzz::CheckCarbonImport(kfm::fuzz::AsText(data, size));
  if (!problem.empty()) {
    std::fprintf(stderr, "carbon_import: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
