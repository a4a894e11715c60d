#include "otel/exporter_config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "otel/redact.h"

namespace kfm::otel {
namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Result<std::string> PercentDecode(std::string_view text, std::string_view variable) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int value = 0;
    if (i + 2 >= text.size()) {
      return Status::InvalidArgument(std::string(variable) + ": bad percent-encoding");
    }
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) {
      return Status::InvalidArgument(std::string(variable) + ": bad percent-encoding");
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

// The first of `names` that is set and not empty.
const char* First(const Getenv& getenv, std::initializer_list<const char*> names,
                  const char** which) {
  for (const char* name : names) {
    const char* value = getenv(name);
    if (value != nullptr && *value != '\0') {
      if (which != nullptr) *which = name;
      return value;
    }
  }
  return nullptr;
}

Result<bool> ParseBool(const char* value, const char* variable) {
  const std::string v = Lower(Trim(value));
  if (v == "true") return true;
  if (v == "false" || v.empty()) return false;
  return Status::InvalidArgument(std::string(variable) + ": expected true or false, got '" + value +
                                 "'");
}

Result<int64_t> ParseNonNegative(const char* value, const char* variable) {
  const std::string v = Trim(value);
  int64_t out = -1;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || out < 0) {
    return Status::InvalidArgument(std::string(variable) +
                                   ": expected a non-negative integer, got '" + value + "'");
  }
  return out;
}

Status LoadSignal(const Getenv& getenv, Signal signal, SignalConfig& out) {
  const bool traces = signal == Signal::kTraces;
  const char* which = nullptr;
  // Exporter choice.
  const char* exporter_var = traces ? "OTEL_TRACES_EXPORTER" : "OTEL_METRICS_EXPORTER";
  bool explicit_otlp = false;
  if (const char* exporter = getenv(exporter_var); exporter != nullptr && *exporter != '\0') {
    out.exporter = Lower(Trim(exporter));
    if (out.exporter != "otlp" && out.exporter != "console" && out.exporter != "none") {
      return Status::InvalidArgument(std::string(exporter_var) +
                                     ": expected otlp, console or none, got '" + exporter + "'");
    }
    explicit_otlp = out.exporter == "otlp";
  }
  // Protocol.
  const char* protocol =
      First(getenv,
            {traces ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
             "OTEL_EXPORTER_OTLP_PROTOCOL"},
            &which);
  if (protocol != nullptr) {
    const std::string p = Lower(Trim(protocol));
    if (p == "http/protobuf") {
      out.protocol = Protocol::kHttpProtobuf;
    } else if (p == "http/json") {
      out.protocol = Protocol::kHttpJson;
    } else if (p == "grpc") {
      out.protocol = Protocol::kGrpc;
    } else {
      return Status::InvalidArgument(std::string(which) +
                                     ": expected http/protobuf, http/json or grpc, got '" +
                                     protocol + "'");
    }
  }
  // Endpoint: per-signal as is; generic with /v1/<signal> appended for HTTP.
  const char* signal_endpoint =
      getenv(traces ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
  const char* generic_endpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  const bool is_http = out.protocol != Protocol::kGrpc;
  if (signal_endpoint != nullptr && *signal_endpoint != '\0') {
    out.endpoint = Trim(signal_endpoint);
    out.enabled = true;
  } else if (generic_endpoint != nullptr && *generic_endpoint != '\0') {
    out.endpoint = Trim(generic_endpoint);
    if (is_http) {
      if (!out.endpoint.empty() && out.endpoint.back() == '/') out.endpoint.pop_back();
      out.endpoint += traces ? "/v1/traces" : "/v1/metrics";
    }
    out.enabled = true;
  } else {
    out.endpoint =
        is_http ? (traces ? "http://localhost:4318/v1/traces" : "http://localhost:4318/v1/metrics")
                : "http://localhost:4317";
    out.enabled = explicit_otlp;
  }
  if (out.exporter != "otlp") out.enabled = false;
  if (out.endpoint.rfind("http://", 0) != 0 && out.endpoint.rfind("https://", 0) != 0 && is_http) {
    return Status::InvalidArgument(
        std::string(signal_endpoint != nullptr ? (traces ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
                                                         : "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
                                               : "OTEL_EXPORTER_OTLP_ENDPOINT") +
        ": expected an http:// or https:// URL, got '" + RedactUrl(out.endpoint) + "'");
  }
  out.insecure = out.endpoint.rfind("http://", 0) == 0;
  if (const char* insecure = First(
          getenv,
          {traces ? "OTEL_EXPORTER_OTLP_TRACES_INSECURE" : "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
           "OTEL_EXPORTER_OTLP_INSECURE"},
          &which)) {
    auto value = ParseBool(insecure, which);
    if (!value.ok()) return value.status();
    out.insecure = out.insecure || *value;
  }
  // Headers.
  if (const char* headers = First(
          getenv,
          {traces ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS" : "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
           "OTEL_EXPORTER_OTLP_HEADERS"},
          &which)) {
    auto parsed = ParseHeaders(headers, which);
    if (!parsed.ok()) return parsed.status();
    out.headers = std::move(parsed).value();
  }
  // Timeout (milliseconds).
  if (const char* timeout = First(
          getenv,
          {traces ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" : "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
           "OTEL_EXPORTER_OTLP_TIMEOUT"},
          &which)) {
    auto ms = ParseNonNegative(timeout, which);
    if (!ms.ok()) return ms.status();
    out.timeout = std::chrono::milliseconds(*ms);
  }
  // Compression.
  if (const char* compression = First(getenv,
                                      {traces ? "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"
                                              : "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
                                       "OTEL_EXPORTER_OTLP_COMPRESSION"},
                                      &which)) {
    const std::string c = Lower(Trim(compression));
    if (c != "gzip" && c != "none") {
      return Status::InvalidArgument(std::string(which) + ": expected gzip or none, got '" +
                                     compression + "'");
    }
    out.gzip = c == "gzip";
  }
  // TLS files.
  const std::string prefix = traces ? "OTEL_EXPORTER_OTLP_TRACES_" : "OTEL_EXPORTER_OTLP_METRICS_";
  auto file = [&](const char* suffix, std::string& into) {
    const std::string specific = prefix + suffix;
    const std::string generic = std::string("OTEL_EXPORTER_OTLP_") + suffix;
    if (const char* value = First(getenv, {specific.c_str(), generic.c_str()}, nullptr)) {
      into = value;
    }
  };
  file("CERTIFICATE", out.certificate);
  file("CLIENT_KEY", out.client_key);
  file("CLIENT_CERTIFICATE", out.client_certificate);
  return Status::Ok();
}

Result<int> BatchValue(const Getenv& getenv, const char* variable, int fallback) {
  const char* value = getenv(variable);
  if (value == nullptr || *value == '\0') return fallback;
  auto parsed = ParseNonNegative(value, variable);
  if (!parsed.ok()) return parsed.status();
  return static_cast<int>(std::min<int64_t>(*parsed, 1 << 30));
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttpProtobuf:
      return "http/protobuf";
    case Protocol::kHttpJson:
      return "http/json";
    case Protocol::kGrpc:
      return "grpc";
  }
  return "unknown";
}

std::string_view SignalName(Signal signal) {
  return signal == Signal::kTraces ? "traces" : "metrics";
}

std::string ExporterConfig::HeaderNames(const SignalConfig& signal) {
  std::string names;
  for (const auto& [key, value] : signal.headers) names += (names.empty() ? "" : ", ") + key;
  return names;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseHeaders(std::string_view text,
                                                                      std::string_view variable) {
  std::vector<std::pair<std::string, std::string>> headers;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    if (Trim(pair).empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)).empty()) {
      // The value may be a secret: name only the position, never the text.
      return Status::InvalidArgument(std::string(variable) + ": entry " +
                                     std::to_string(headers.size() + 1) +
                                     " is not key=value (value not shown)");
    }
    auto key = PercentDecode(Trim(pair.substr(0, eq)), variable);
    auto value = PercentDecode(Trim(pair.substr(eq + 1)), variable);
    if (!key.ok()) return key.status();
    if (!value.ok()) return value.status();
    headers.emplace_back(Lower(*key), *value);
  }
  return headers;
}

Result<ExporterConfig> ExporterConfigFromEnv(const Getenv& getenv) {
  ExporterConfig config;
  if (const char* disabled = getenv("OTEL_SDK_DISABLED")) {
    auto value = ParseBool(disabled, "OTEL_SDK_DISABLED");
    if (!value.ok()) return value.status();
    config.sdk_disabled = *value;
  }
  if (Status s = LoadSignal(getenv, Signal::kTraces, config.traces); !s.ok()) return s;
  if (Status s = LoadSignal(getenv, Signal::kMetrics, config.metrics); !s.ok()) return s;
  auto queue = BatchValue(getenv, "OTEL_BSP_MAX_QUEUE_SIZE", config.batch.max_queue_size);
  auto delay = BatchValue(getenv, "OTEL_BSP_SCHEDULE_DELAY",
                          static_cast<int>(config.batch.schedule_delay.count()));
  auto timeout = BatchValue(getenv, "OTEL_BSP_EXPORT_TIMEOUT",
                            static_cast<int>(config.batch.export_timeout.count()));
  auto batch =
      BatchValue(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", config.batch.max_export_batch_size);
  auto interval = BatchValue(getenv, "OTEL_METRIC_EXPORT_INTERVAL",
                             static_cast<int>(config.metric_export_interval.count()));
  for (const auto* r : {&queue, &delay, &timeout, &batch, &interval}) {
    if (!r->ok()) return r->status();
  }
  config.batch.max_queue_size = std::max(1, *queue);
  config.batch.schedule_delay = std::chrono::milliseconds(*delay);
  config.batch.export_timeout = std::chrono::milliseconds(*timeout);
  // The specification: the batch size must not exceed the queue size.
  config.batch.max_export_batch_size = std::clamp(*batch, 1, config.batch.max_queue_size);
  config.metric_export_interval = std::chrono::milliseconds(*interval);
  if (config.sdk_disabled) config.traces.enabled = config.metrics.enabled = false;
  return config;
}

Result<ExporterConfig> ExporterConfigFromEnv() {
  return ExporterConfigFromEnv([](const char* name) { return std::getenv(name); });
}

}  // namespace kfm::otel
