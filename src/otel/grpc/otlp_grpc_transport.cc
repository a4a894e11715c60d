#include "otel/grpc/otlp_grpc_transport.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.0.0"
#endif

namespace kfm::otel {
namespace {

namespace collector_trace = opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;

// After a failed connection grpc++ waits before dialling again and fails calls fast meanwhile;
// its default ceiling (two minutes) would outlast an export's whole retry budget.
constexpr int kMaxReconnectBackoffMs = 5000;

Result<std::string> ReadPem(const std::string& path, std::string_view what) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return Status::InvalidArgument("cannot read the OTLP " + std::string(what) + " file " + path);
  }
  return text.str();
}

std::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNRECOGNIZED";
  }
}

// The OTLP specification's retryable codes. RESOURCE_EXHAUSTED only when the server says
// when to come back (RetryInfo): otherwise the request itself is too big.
bool Retryable(grpc::StatusCode code, bool has_retry_info) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return has_retry_info;
    default:
      return false;
  }
}

template <class Stub, class Request, class Response>
grpc::Status Call(Stub& stub, grpc::ClientContext& context, const std::string& body,
                  Response& response, bool& parsed) {
  Request request;
  parsed = request.ParseFromString(body);
  if (!parsed) return grpc::Status::OK;
  return stub.Export(&context, request, &response);
}

}  // namespace

struct OtlpGrpcTransport::Stubs {
  std::unique_ptr<collector_trace::TraceService::Stub> traces;
  std::unique_ptr<collector_metrics::MetricsService::Stub> metrics;
};

Result<std::unique_ptr<OtlpGrpcTransport>> OtlpGrpcTransport::Create(const SignalConfig& config) {
  auto target = ParseGrpcEndpoint(config.endpoint);
  if (!target.ok())
    return Status::InvalidArgument(target.status().message() + ": " + config.endpoint);

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (config.insecure || target->plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    auto roots = ReadPem(config.certificate, "certificate");
    auto key = ReadPem(config.client_key, "client key");
    auto chain = ReadPem(config.client_certificate, "client certificate");
    for (const auto* read : {&roots, &key, &chain}) {
      if (!read->ok()) return read->status();
    }
    tls.pem_root_certs = std::move(roots).value();
    tls.pem_private_key = std::move(key).value();
    tls.pem_cert_chain = std::move(chain).value();
    credentials = grpc::SslCredentials(tls);
  }
  grpc::ChannelArguments arguments;
  arguments.SetUserAgentPrefix("kfm-energy/" KFM_VERSION);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  auto channel = grpc::CreateCustomChannel(target->authority, credentials, arguments);
  auto stubs = std::make_unique<Stubs>();
  stubs->traces = collector_trace::TraceService::NewStub(channel);
  stubs->metrics = collector_metrics::MetricsService::NewStub(channel);
  return std::unique_ptr<OtlpGrpcTransport>(new OtlpGrpcTransport(config, std::move(stubs)));
}

OtlpGrpcTransport::OtlpGrpcTransport(SignalConfig config, std::unique_ptr<Stubs> stubs)
    : config_(std::move(config)), stubs_(std::move(stubs)) {}

OtlpGrpcTransport::~OtlpGrpcTransport() = default;

SendResult OtlpGrpcTransport::Send(Signal signal, const std::string& body) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + config_.timeout);
  for (const auto& [name, value] : config_.headers) {
    std::string key = name;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    context.AddMetadata(key, value);
  }
  if (config_.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);

  SendResult result;
  bool parsed = false;
  grpc::Status status;
  collector_trace::ExportTraceServiceResponse trace_response;
  collector_metrics::ExportMetricsServiceResponse metrics_response;
  if (signal == Signal::kTraces) {
    status = Call<collector_trace::TraceService::Stub, collector_trace::ExportTraceServiceRequest>(
        *stubs_->traces, context, body, trace_response, parsed);
  } else {
    status = Call<collector_metrics::MetricsService::Stub,
                  collector_metrics::ExportMetricsServiceRequest>(*stubs_->metrics, context, body,
                                                                  metrics_response, parsed);
  }
  if (!parsed) {
    result.message = "gRPC " + config_.endpoint + ": the body is not an Export" +
                     (signal == Signal::kTraces ? "Trace" : "Metrics") + "ServiceRequest";
    return result;  // refused
  }

  result.message = "gRPC " + std::string(CodeName(status.error_code()));
  if (!status.error_message().empty()) result.message += ": " + status.error_message();
  if (status.ok()) {
    result.outcome = SendResult::Outcome::kAccepted;
    if (signal == Signal::kTraces) {
      result.rejected = trace_response.partial_success().rejected_spans();
      result.partial_message = trace_response.partial_success().error_message();
    } else {
      result.rejected = metrics_response.partial_success().rejected_data_points();
      result.partial_message = metrics_response.partial_success().error_message();
    }
    if (result.rejected > 0 && result.partial_message.empty()) {
      result.partial_message = "the collector rejected " + std::to_string(result.rejected) + " " +
                               (signal == Signal::kTraces ? "span(s)" : "data point(s)");
    }
    return result;
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    result.message += " (" + config_.endpoint + ")";
  }
  result.retry_after = RetryDelayFromStatusDetails(status.error_details());
  result.outcome = Retryable(status.error_code(), result.retry_after.has_value())
                       ? SendResult::Outcome::kRetryable
                       : SendResult::Outcome::kRefused;
  if (result.outcome == SendResult::Outcome::kRefused) result.retry_after.reset();
  return result;
}

}  // namespace kfm::otel

// The plugin's entry point, looked up with dlsym by MakeTransport (otlp_transport.cc).
extern "C" __attribute__((visibility("default"))) kfm::otel::OtlpTransport* kfm_otlp_grpc_create(
    const kfm::otel::SignalConfig* config, kfm::Status* error) {
  auto made = kfm::otel::OtlpGrpcTransport::Create(*config);
  if (!made.ok()) {
    *error = made.status();
    return nullptr;
  }
  return std::move(made).value().release();
}
