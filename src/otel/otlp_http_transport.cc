#include "otel/otlp_http_transport.h"

#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <nlohmann/json.hpp>

#include "otel/curl_api.h"
#include "otel/otlp_proto.h"
#include "otel/redact.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.0.0"
#endif

namespace kfm::otel {
namespace {

namespace collector_trace = opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;

constexpr size_t kExcerptLimit = 200;

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

bool IsJson(std::string_view content_type) {
  return content_type.find("json") != std::string_view::npos;
}

// Failures of the network or the peer that may pass; the rest (bad certificate file,
// malformed URL, unsupported protocol) will not get better by retrying.
bool RetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

bool RetryableHttpStatus(long status) {  // NOLINT(google-runtime-int): libcurl's type
  return status == 429 || status == 502 || status == 503 || status == 504;
}

// A short, printable, single-line piece of a response body for a message.
std::string Excerpt(std::string_view body) {
  std::string out;
  bool space = false;
  for (const char c : body) {
    if (out.size() >= kExcerptLimit) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) != 0) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

// The request rendered for the wire: protobuf as given, or OTLP/JSON.
Result<std::string> Payload(Protocol protocol, Signal signal, const std::string& body) {
  if (protocol != Protocol::kHttpJson) return body;
  if (signal == Signal::kTraces) {
    collector_trace::ExportTraceServiceRequest request;
    if (!request.ParseFromString(body)) {
      return Status::InvalidArgument("the body is not an ExportTraceServiceRequest");
    }
    return ToOtlpJson(request);
  }
  collector_metrics::ExportMetricsServiceRequest request;
  if (!request.ParseFromString(body)) {
    return Status::InvalidArgument("the body is not an ExportMetricsServiceRequest");
  }
  return ToOtlpJson(request);
}

bool ParseResponse(std::string_view body, std::string_view content_type,
                   google::protobuf::Message* response) {
  if (body.empty()) return true;
  if (IsJson(content_type)) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    return google::protobuf::util::JsonStringToMessage(body, response, options).ok();
  }
  return response->ParseFromArray(body.data(), static_cast<int>(body.size()));
}

// Fills the partial success of a 2xx answer; a body it cannot decode is noted, not fatal:
// the server took the data.
void ReadPartialSuccess(Signal signal, std::string_view body, std::string_view content_type,
                        SendResult& result) {
  bool decoded = false;
  if (signal == Signal::kTraces) {
    collector_trace::ExportTraceServiceResponse response;
    decoded = ParseResponse(body, content_type, &response);
    result.rejected = response.partial_success().rejected_spans();
    result.partial_message = response.partial_success().error_message();
  } else {
    collector_metrics::ExportMetricsServiceResponse response;
    decoded = ParseResponse(body, content_type, &response);
    result.rejected = response.partial_success().rejected_data_points();
    result.partial_message = response.partial_success().error_message();
  }
  if (!decoded) result.message += " (response body not decoded)";
  if (result.rejected > 0 && result.partial_message.empty()) {
    result.partial_message = "the collector rejected " + std::to_string(result.rejected) + " " +
                             (signal == Signal::kTraces ? "span(s)" : "data point(s)");
  }
}

}  // namespace

struct OtlpHttpTransport::Curl {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string response;

  Curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    easy = curl_easy_init();
  }
  ~Curl() {
    curl_slist_free_all(headers);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
  Curl(const Curl&) = delete;
  Curl& operator=(const Curl&) = delete;

  void AddHeader(const std::string& line) {
    curl_slist* appended = curl_slist_append(headers, line.c_str());
    if (appended != nullptr) headers = appended;
  }
};

OtlpHttpTransport::OtlpHttpTransport(SignalConfig config)
    : config_(std::move(config)), curl_(std::make_unique<Curl>()) {
  CURL* easy = curl_->easy;
  if (easy == nullptr) return;
  curl_->AddHeader(config_.protocol == Protocol::kHttpJson
                       ? "Content-Type: application/json"
                       : "Content-Type: application/x-protobuf");
  if (config_.gzip) curl_->AddHeader("Content-Encoding: gzip");
  curl_->AddHeader("Expect:");  // no 100-continue round trip for larger bodies
  for (const auto& [name, value] : config_.headers) curl_->AddHeader(name + ": " + value);

  curl_easy_setopt(easy, CURLOPT_URL, config_.endpoint.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, curl_->headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "kfm-energy/" KFM_VERSION);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we share the process
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_->error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &curl_->response);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.certificate.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, config_.certificate.c_str());
  }
  if (!config_.client_certificate.empty()) {
    curl_easy_setopt(easy, CURLOPT_SSLCERT, config_.client_certificate.c_str());
  }
  if (!config_.client_key.empty()) {
    curl_easy_setopt(easy, CURLOPT_SSLKEY, config_.client_key.c_str());
  }
}

OtlpHttpTransport::~OtlpHttpTransport() = default;

SendResult OtlpHttpTransport::Send(Signal signal, const std::string& body) {
  SendResult result;
  CURL* easy = curl_->easy;
  if (easy == nullptr) {
    result.message = "POST " + RedactUrl(config_.endpoint) + ": libcurl could not create a handle";
    result.outcome = SendResult::Outcome::kRetryable;
    return result;
  }
  auto payload = Payload(config_.protocol, signal, body);
  if (payload.ok() && config_.gzip) payload = GzipCompress(*payload);
  if (!payload.ok()) {
    result.message = "POST " + RedactUrl(config_.endpoint) + ": " + payload.status().message();
    return result;  // refused: sending the same bytes again cannot help
  }

  curl_->response.clear();
  curl_->error[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload->data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload->size()));
  const CURLcode code = curl_easy_perform(easy);
  if (code != CURLE_OK) {
    result.outcome =
        RetryableCurlError(code) ? SendResult::Outcome::kRetryable : SendResult::Outcome::kRefused;
    result.message = "POST " + RedactUrl(config_.endpoint) + ": " + curl_easy_strerror(code);
    if (curl_->error[0] != '\0') result.message += std::string(" (") + curl_->error + ")";
    return result;
  }

  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  const char* type = nullptr;
  curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
  const std::string content_type = type != nullptr ? type : "";
  const std::string& response = curl_->response;

  result.message = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kAccepted;
    ReadPartialSuccess(signal, response, content_type, result);
    return result;
  }
  const auto server_message = RpcStatusMessage(response, content_type);
  const std::string detail = server_message ? Excerpt(*server_message) : Excerpt(response);
  if (!detail.empty()) result.message += ": " + detail;
  if (RetryableHttpStatus(status)) {
    result.outcome = SendResult::Outcome::kRetryable;
    curl_header* header = nullptr;
    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &header) == CURLHE_OK &&
        header != nullptr && header->value != nullptr) {
      result.retry_after = ParseRetryAfter(header->value, std::chrono::system_clock::now());
    }
  } else {
    result.outcome = SendResult::Outcome::kRefused;
  }
  return result;
}

Result<std::string> GzipCompress(std::string_view data) {
  z_stream stream{};
  constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: zlib could not start");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const size_t written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: zlib could not compress the body");
  out.resize(written);
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())) != 0) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    constexpr int64_t kOneDay = 86400;  // anything longer is nonsense; cap it
    return std::chrono::seconds(std::min(seconds, kOneDay));
  }
  const std::string text(value);
  const time_t date = curl_getdate(text.c_str(), nullptr);
  if (date < 0) return std::nullopt;
  const auto delay = std::chrono::system_clock::from_time_t(date) - now;
  if (delay <= std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(delay);
}

std::optional<std::string> RpcStatusMessage(std::string_view body, std::string_view content_type) {
  if (body.empty()) return std::nullopt;
  if (IsJson(content_type)) {
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return std::nullopt;
    const auto it = json.find("message");
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  }
  if (content_type.find("protobuf") == std::string_view::npos) return std::nullopt;
  // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(body.data(), static_cast<int>(body.size()))) return std::nullopt;
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& field = fields.field(i);
    if (field.number() == 2 &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      return field.length_delimited();
    }
  }
  return std::nullopt;
}

}  // namespace kfm::otel
