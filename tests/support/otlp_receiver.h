// Test helper: starts the reference OTLP receiver (tests/receiver/otlp-receiver.mjs, Node,
// built from the official OpenTelemetry protos) on loopback ports and reads what it accepted.
// Stops it in the destructor. For tests only; thread-compatible.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::testing {

class OtlpReceiver {
 public:
  // `args` are extra receiver options, e.g. {"--fail-first", "1", "--fail-status", "503"}.
  // `http_port` 0 picks a free port.
  explicit OtlpReceiver(const std::vector<std::string>& args = {}, int http_port = 0);
  ~OtlpReceiver();
  OtlpReceiver(const OtlpReceiver&) = delete;
  OtlpReceiver& operator=(const OtlpReceiver&) = delete;

  // False (with `error()`) when node or the receiver's packages are missing.
  [[nodiscard]] bool ok() const { return pid_ > 0 && http_port_ > 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int http_port() const { return http_port_; }
  [[nodiscard]] int grpc_port() const { return grpc_port_; }
  // The accepted requests so far, one JSON object per request.
  [[nodiscard]] std::vector<nlohmann::json> Accepted() const;
  void Stop();

 private:
  pid_t pid_ = -1;
  int http_port_ = 0;
  int grpc_port_ = 0;
  std::string dir_;
  std::string error_;
};

}  // namespace kfm::testing
