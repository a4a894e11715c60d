#include "meter/wall_clock.h"

namespace kfm::meter {
namespace {

struct Anchor {
  std::chrono::steady_clock::time_point steady;
  int64_t unix_ns;
};

const Anchor& ProcessAnchor() {
  static const Anchor anchor = [] {
    Anchor a;
    a.steady = std::chrono::steady_clock::now();
    a.unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    return a;
  }();
  return anchor;
}

}  // namespace

int64_t UnixNanos(std::chrono::steady_clock::time_point when) {
  const Anchor& anchor = ProcessAnchor();
  return anchor.unix_ns +
         std::chrono::duration_cast<std::chrono::nanoseconds>(when - anchor.steady).count();
}

int64_t UnixNanosNow() { return UnixNanos(std::chrono::steady_clock::now()); }

}  // namespace kfm::meter
