// Fetching job inputs: a local path or an http(s) URL, whole or a byte range (HTTP Range
// requests, as HRRR's .idx inventories call for). Shared by the reference jobs; built on
// libcurl. Thread-compatible: one Fetcher per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kfm/status.h"

namespace kfm::jobs {

struct ByteRange {
  int64_t first = 0;
  std::optional<int64_t> last;  // inclusive; none: to the end
};

struct FetchOptions {
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"X-Api-Key", key}
  long timeout_s = 120;
  int retries = 2;  // on connection failures and 429/5xx, with a short backoff
};

// True for http:// and https:// sources.
bool IsUrl(const std::string& source);

// The bytes of `source` (a path or URL), or of `range` of it. A URL that answers anything
// but 200 (206 for a range) is Unavailable (5xx, 429, connection) or NotFound/InvalidArgument,
// with the URL (never a header value) and the status in the message. A server that ignores
// Range (200 with the whole body) is handled by cutting the range out.
Result<std::string> Fetch(const std::string& source, const FetchOptions& options = {},
                          const std::optional<ByteRange>& range = std::nullopt);

// "a/b/c.grib2.idx" for "a/b/c.grib2", also for URLs (query strings kept after the suffix).
std::string WithSuffix(const std::string& source, const std::string& suffix);

// Lower-case hex sha256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

}  // namespace kfm::jobs
