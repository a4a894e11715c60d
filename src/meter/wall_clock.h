// The one wall-clock timeline of a process. Span timestamps must come from the wall clock
// (they are compared across machines), but a duration must never depend on it: NTP steps,
// `date -s` or a VM resume can move CLOCK_REALTIME by hours, backwards too. So the wall clock
// is read once, at the first call in the process, and every later timestamp is that reading
// plus the monotonic (steady_clock) time since. A clock step during a run therefore cannot
// stretch, shrink or reverse a span, nor move a child span out of its parent; the price is that
// a step is not followed until the next process (a `run` or `pipeline run` is one process per
// run; CLOCK_MONOTONIC is slewed by NTP like the wall clock, so the two do not drift apart).
// Thread-safe: the anchor is a function-local static, initialised once.
#pragma once

#include <chrono>
#include <cstdint>

namespace kfm::meter {

// Unix time in nanoseconds of a steady_clock reading, on the process's timeline (see above).
int64_t UnixNanos(std::chrono::steady_clock::time_point when);

// UnixNanos(std::chrono::steady_clock::now()).
int64_t UnixNanosNow();

}  // namespace kfm::meter
