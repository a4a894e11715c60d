// Getting the wanted messages of one HRRR GRIB2 input (a path or an http(s) URL): with the
// `.idx` inventory beside it, one byte-range request per wanted message; without one (the
// inventory is NotFound), the whole file, scanned message by message. Built on the shared
// jobs/common fetcher. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http_fetch.h"
#include "idx_inventory.h"
#include "kfm/status.h"

namespace kfm::jobs::hrrr {

struct FetchedMessage {
  VariableSelector selector;
  std::string bytes;     // exactly one GRIB2 message (checked when decoding)
  std::string what;      // "SOURCE bytes a-b", for messages
  std::string idx_line;  // the inventory line that located it; "" when scanned
  int64_t offset = 0;
};

struct FetchedInput {
  std::string source;
  std::string idx_source;                // where the inventory was read; "" when there was none
  std::vector<FetchedMessage> messages;  // in the order of `selectors`
  int64_t bytes_fetched = 0;             // inventory and GRIB2 bytes read
  int requests = 0;
};

// The messages `selectors` pick from `source`. NotFound for a missing input or a variable the
// input lacks; InvalidArgument for a malformed inventory, an ambiguous selector or a file that
// is not GRIB2; Unavailable for a server that fails; each names the file or URL.
Result<FetchedInput> FetchMessages(const std::string& source,
                                   const std::vector<VariableSelector>& selectors,
                                   const FetchOptions& options);

// `source` as it may be written into outputs and logs: a URL without its query string (which
// may carry a signature or key).
std::string RedactedSource(const std::string& source);

}  // namespace kfm::jobs::hrrr
