#include "otel/otlp_grpc_status.h"

#include <google/protobuf/unknown_field_set.h>

namespace kfm::otel {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

const UnknownField* FindField(const UnknownFieldSet& fields, int number, UnknownField::Type type) {
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == number && fields.field(i).type() == type) {
      return &fields.field(i);
    }
  }
  return nullptr;
}

}  // namespace

Result<GrpcTarget> ParseGrpcEndpoint(std::string_view endpoint) {
  GrpcTarget target;
  if (endpoint.rfind("http://", 0) == 0) {
    target.plaintext = true;
    endpoint.remove_prefix(7);
  } else if (endpoint.rfind("https://", 0) == 0) {
    endpoint.remove_prefix(8);
  }
  endpoint = endpoint.substr(0, endpoint.find('/'));
  if (endpoint.empty() || endpoint.front() == ':') {
    return Status::InvalidArgument("OTLP gRPC endpoint has no host");
  }
  target.authority = std::string(endpoint);
  return target;
}

std::optional<std::chrono::milliseconds> RetryDelayFromStatusDetails(std::string_view details) {
  // google.rpc.Status { repeated Any details = 3 }; Any { type_url = 1; value = 2 };
  // RetryInfo { Duration retry_delay = 1 }; Duration { int64 seconds = 1; int32 nanos = 2 }.
  UnknownFieldSet status;
  if (details.empty() || !status.ParseFromArray(details.data(), static_cast<int>(details.size()))) {
    return std::nullopt;
  }
  for (int i = 0; i < status.field_count(); ++i) {
    const UnknownField& detail = status.field(i);
    if (detail.number() != 3 || detail.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    UnknownFieldSet any;
    if (!any.ParseFromString(detail.length_delimited())) continue;
    const auto* type_url = FindField(any, 1, UnknownField::TYPE_LENGTH_DELIMITED);
    const std::string_view kRetryInfo = "/google.rpc.RetryInfo";
    if (type_url == nullptr || !type_url->length_delimited().ends_with(kRetryInfo)) continue;
    UnknownFieldSet retry_info;
    const auto* value = FindField(any, 2, UnknownField::TYPE_LENGTH_DELIMITED);
    if (value != nullptr && !retry_info.ParseFromString(value->length_delimited())) continue;
    UnknownFieldSet duration;
    const auto* delay = FindField(retry_info, 1, UnknownField::TYPE_LENGTH_DELIMITED);
    if (delay != nullptr && !duration.ParseFromString(delay->length_delimited())) continue;
    const auto* seconds = FindField(duration, 1, UnknownField::TYPE_VARINT);
    const auto* nanos = FindField(duration, 2, UnknownField::TYPE_VARINT);
    const auto s = seconds != nullptr ? static_cast<int64_t>(seconds->varint()) : 0;
    const auto n = nanos != nullptr ? static_cast<int32_t>(nanos->varint()) : 0;
    if (s < 0 || n < 0) return std::chrono::milliseconds(0);
    return std::chrono::seconds(s) +
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(n));
  }
  return std::nullopt;
}

}  // namespace kfm::otel
