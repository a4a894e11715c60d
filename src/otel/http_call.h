// One small HTTP request through the dlopen'ed libcurl (otel/curl_api.h): a body sent, a short
// answer read. Serves the pushes that are one request each -- node metrics and rollup metrics
// to a Pushgateway, Cypher to Neo4j -- so that each builds its request and reads the status,
// and none repeats the libcurl calls. Stateless; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::otel {

struct HttpRequest {
  std::string url;
  std::string method = "POST";       // "POST" or "PUT"
  std::string_view body;             // must outlive the call
  std::vector<std::string> headers;  // "Name: value"
  std::string basic_user;            // Basic authentication when not empty
  std::string basic_password;
  std::chrono::milliseconds timeout{10000};
};

struct HttpAnswer {
  long status = 0;   // the HTTP status, whatever it is
  std::string body;  // the first kMaxAnswerBytes of the answer
};
inline constexpr std::size_t kMaxAnswerBytes = 1 << 20;

// Sends `request`. Unavailable "<what>: <libcurl's reason>" when no answer came (cannot
// connect, timeout, libcurl missing); `what` names the peer for the message and must not hold
// secrets (pass otel::RedactUrl of the URL).
Result<HttpAnswer> SendHttp(const HttpRequest& request, std::string_view what);

}  // namespace kfm::otel
