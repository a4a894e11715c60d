// OTLP over HTTP (http/protobuf and http/json) with libcurl: one POST per export to the
// signal's full URL, on one easy handle kept for the transport's life so the connection is
// reused. The transport owns its handle; like every OtlpTransport it is used by one thread at
// a time (thread-compatible). The free functions are stateless and thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "otel/otlp_transport.h"

namespace kfm::otel {

class OtlpHttpTransport final : public OtlpTransport {
 public:
  // `config.endpoint` is the full http:// or https:// URL (MakeTransport checks it).
  explicit OtlpHttpTransport(SignalConfig config);
  ~OtlpHttpTransport() override;
  OtlpHttpTransport(const OtlpHttpTransport&) = delete;
  OtlpHttpTransport& operator=(const OtlpHttpTransport&) = delete;

  SendResult Send(Signal signal, const std::string& body) override;

 private:
  struct Curl;  // the easy handle and its header list

  SignalConfig config_;
  std::unique_ptr<Curl> curl_;
};

// gzip (RFC 1952) of `data`, as sent with `Content-Encoding: gzip`.
Result<std::string> GzipCompress(std::string_view data);

// An HTTP Retry-After value: delta-seconds or an HTTP-date (a date in the past is zero).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// The message of a google.rpc.Status carried in an error response body of the given content
// type (protobuf or JSON); nullopt when the body is not one.
std::optional<std::string> RpcStatusMessage(std::string_view body, std::string_view content_type);

}  // namespace kfm::otel
