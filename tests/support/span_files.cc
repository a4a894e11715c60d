#include "span_files.h"

#include <filesystem>
#include <sstream>

#include "subprocess.h"

namespace kfm::testing {

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::map<std::string, nlohmann::json> SpanAttributes(const nlohmann::json& request) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& a : request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"])
    out[a["key"]] = a["value"];
  return out;
}

std::vector<FileSpan> ReadSpanFile(const std::string& path) {
  std::vector<FileSpan> spans;
  if (!std::filesystem::exists(path)) return spans;
  for (const auto& request : ReadJsonLines(path)) {
    for (const auto& rs : request.value("resourceSpans", nlohmann::json::array())) {
      for (const auto& ss : rs.value("scopeSpans", nlohmann::json::array())) {
        for (const auto& s : ss.value("spans", nlohmann::json::array())) {
          FileSpan span;
          // OTLP JSON leaves out fields at their default (a zero time, an empty id).
          span.name = s.value("name", "");
          span.trace_id = s.value("traceId", "");
          span.span_id = s.value("spanId", "");
          span.parent = s.value("parentSpanId", "");
          span.start = std::stoll(s.value("startTimeUnixNano", "0"));
          span.end = std::stoll(s.value("endTimeUnixNano", "0"));
          if (s.contains("status")) {
            span.status = s["status"].value("code", 0);
            span.message = s["status"].value("message", "");
          }
          for (const auto& a : s.value("attributes", nlohmann::json::array()))
            span.attrs[a["key"]] = a["value"];
          span.events = s.value("events", nlohmann::json::array());
          spans.push_back(std::move(span));
        }
      }
    }
  }
  return spans;
}

std::map<std::string, FileSpan> ReadSpansByName(const std::string& path) {
  std::map<std::string, FileSpan> spans;
  for (auto& span : ReadSpanFile(path)) spans[span.name] = std::move(span);
  return spans;
}

}  // namespace kfm::testing
