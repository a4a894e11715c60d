// Delivers OTLP export requests with the specification's retry rules and keeps what is not
// accepted in the spool: retryable answers are retried with exponential backoff and jitter
// (the server's Retry-After wins), within a deadline; refusals are not retried; partial
// success is reported, never retried. Whatever was not accepted by the deadline is spooled,
// so nothing is lost. Export and Flush never run past their deadline. Thread-compatible.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "otel/exporter_config.h"
#include "otel/otlp_transport.h"
#include "otel/spool.h"

namespace kfm::otel {

struct ExportReport {
  bool delivered = false;
  bool spooled = false;
  bool refused = false;  // the collector said no (not retryable); otherwise it was unreachable
  int attempts = 0;
  int64_t rejected = 0;  // partial success
  std::string message;   // the last answer, for people
};

struct FlushReport {
  int delivered = 0;
  int remaining = 0;
  std::vector<std::string> problems;
};

using TransportFactory = std::function<Result<std::unique_ptr<OtlpTransport>>(const SignalConfig&)>;

class OtlpExporter {
 public:
  OtlpExporter(ExporterConfig config, Spool spool, TransportFactory factory = MakeTransport);

  [[nodiscard]] bool enabled(Signal signal) const;
  // Sends `body` (a serialized Export*ServiceRequest); spools it when not accepted in time.
  ExportReport Export(Signal signal, const std::string& body,
                      std::chrono::steady_clock::time_point deadline);
  // Sends every spooled request, oldest first, removing each once accepted; each request may
  // take one export timeout of its signal, and the first that finds the collector unreachable
  // ends the flush (the rest stay). Never runs past `deadline`. Holds the spool lock.
  FlushReport Flush(std::chrono::steady_clock::time_point deadline);

 private:
  // Tries until accepted, refused or out of time; does not spool.
  ExportReport Deliver(Signal signal, const std::string& body,
                       std::chrono::steady_clock::time_point deadline);
  Result<OtlpTransport*> Transport(Signal signal);

  ExporterConfig config_;
  Spool spool_;
  TransportFactory factory_;
  std::unique_ptr<OtlpTransport> traces_;
  std::unique_ptr<OtlpTransport> metrics_;
};

// The backoff before retry number `attempt` (1-based): 1 s doubling, capped at 32 s, times a
// random factor in [0.5, 1.5).
std::chrono::milliseconds Backoff(int attempt);

}  // namespace kfm::otel
