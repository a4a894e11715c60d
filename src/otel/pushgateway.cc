#include "otel/pushgateway.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "otel/http_call.h"
#include "otel/redact.h"

namespace kfm::otel {
namespace {

// Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.
std::string PromName(const std::string& name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' ? c : '_';
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

// The unit suffix the OpenTelemetry-to-Prometheus compatibility rules add; annotations in
// braces ("{record}") add none.
std::string UnitSuffix(const std::string& unit) {
  if (unit == "J") return "_joules";
  if (unit == "W") return "_watts";
  if (unit == "g") return "_grams";
  if (unit == "s") return "_seconds";
  return "";
}

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string LabelValue(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return v;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        if constexpr (std::is_same_v<T, double>) return std::to_string(v);
      },
      value);
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

}  // namespace

std::string PrometheusText(const std::vector<MetricData>& metrics,
                           const std::vector<std::string>& grouping_labels) {
  std::string text;
  for (const auto& metric : metrics) {
    const bool counter = metric.kind == MetricData::Kind::kSum && metric.monotonic;
    std::string name = PromName(metric.name) + UnitSuffix(metric.unit);
    if (counter) name += "_total";
    text += "# HELP " + name + " " + metric.description + "\n";
    text += "# TYPE " + name + (counter ? " counter\n" : " gauge\n");
    for (const auto& point : metric.points) {
      std::string labels;
      for (const auto& [key, value] : point.attributes) {
        const std::string label = PromName(key);
        if (std::find(grouping_labels.begin(), grouping_labels.end(), label) !=
            grouping_labels.end())
          continue;
        labels +=
            (labels.empty() ? "" : ",") + label + "=\"" + EscapeLabel(LabelValue(value)) + "\"";
      }
      text += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(point.value) + "\n";
    }
  }
  return text;
}

Status PushToGateway(const std::string& url, const std::string& run_id, const std::string& node,
                     const std::vector<MetricData>& metrics, std::chrono::milliseconds timeout) {
  // Run ids and node names are [A-Za-z0-9._-] (checked at start), safe in a URL path.
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string target =
      base + "/metrics/job/kfm-energy/kfm_run_id/" + run_id + "/kfm_node/" + node;
  const std::string body = PrometheusText(metrics, {"kfm_run_id", "kfm_node"});
  HttpRequest request;
  request.url = target;
  request.method = "PUT";
  request.body = body;
  request.headers = {"Content-Type: text/plain; version=0.0.4"};
  request.timeout = timeout;
  auto answer = SendHttp(request, "Pushgateway " + RedactUrl(base));
  if (!answer.ok()) return answer.status();
  if (answer->status < 200 || answer->status >= 300) {
    return Status::Unavailable("Pushgateway " + RedactUrl(base) + ": HTTP " +
                               std::to_string(answer->status) + ": " + answer->body.substr(0, 200));
  }
  return Status::Ok();
}

Result<std::string> PushgatewayUrlFromEnv() {
  const char* url = std::getenv("KFM_PUSHGATEWAY_URL");
  if (url == nullptr || *url == '\0') return std::string();
  const std::string value = url;
  if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(
        "KFM_PUSHGATEWAY_URL: expected an http:// or https:// URL, got '" + value + "'");
  }
  return value;
}

}  // namespace kfm::otel
