// Test helper: OTLP JSON lines with etl.node.* and etl.run spans built from plain values with
// nlohmann::json, independent of the store's own reader. Header-only; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kfm::store::testing {

struct TestNode {
  std::string trace_id = "0123456789abcdef0123456789abcdef";
  std::string span_id = "0000000000000001";
  std::string run_id = "run-1";
  std::string node = "ingest";
  std::optional<std::string> pipeline;  // kfm.pipeline; absent for `kfm-energy run` spans
  std::string host = "host-a";
  std::int64_t start_ns = 1'700'000'000'000'000'000;
  std::int64_t end_ns = 1'700'000'001'000'000'000;
  double cpu_j = 1.5;
  double dram_j = 0.25;
  double gpu_j = 0;
  double total_j = 1.75;
  std::string cpu_method = "rapl";
  std::string gpu_method = "none";
  bool modelled = false;
  std::optional<std::int64_t> records_out = 10;
  double gco2e = 0.0002;
  bool error = false;
};

inline nlohmann::json Attr(const std::string& key, const nlohmann::json& value) {
  nlohmann::json v;
  if (value.is_string()) {
    v["stringValue"] = value;
  } else if (value.is_boolean()) {
    v["boolValue"] = value;
  } else if (value.is_number_integer()) {
    v["intValue"] = std::to_string(value.get<std::int64_t>());
  } else {
    v["doubleValue"] = value;
  }
  return {{"key", key}, {"value", v}};
}

inline nlohmann::json NodeSpanJson(const TestNode& n) {
  nlohmann::json attrs = nlohmann::json::array(
      {Attr("kfm.node", n.node),
       Attr("kfm.domain", "hydro"),
       Attr("kfm.pipeline_kind", "nightly"),
       Attr("kfm.hostname", n.host),
       Attr("energy.cpu_j", n.cpu_j),
       Attr("energy.cpu_method", n.cpu_method),
       Attr("energy.cpu_pkg_j", n.cpu_j * 2),
       Attr("energy.dram_j", n.dram_j),
       Attr("energy.dram_method", n.cpu_method),
       Attr("energy.gpu_j", n.gpu_j),
       Attr("energy.gpu_method", n.gpu_method),
       Attr("energy.total_j", n.total_j),
       Attr("energy.modelled", n.modelled),
       Attr("carbon.gco2e", n.gco2e),
       Attr("carbon.intensity_gco2_per_kwh", 477.0),
       Attr("carbon.region", "SPP_KS"),
       Attr("carbon.factor_resolution", "year"),
       Attr("carbon.table_id", "electricitymaps-yearly"),
       Attr("carbon.table_version", "0.19.0"),
       Attr("timing.duration_s", static_cast<double>(n.end_ns - n.start_ns) / 1e9)});
  if (n.pipeline) attrs.push_back(Attr("kfm.pipeline", *n.pipeline));
  if (n.records_out) attrs.push_back(Attr("kfm.records_out", *n.records_out));
  nlohmann::json span = {{"traceId", n.trace_id},
                         {"spanId", n.span_id},
                         {"name", "etl.node." + n.node},
                         {"kind", 1},
                         {"startTimeUnixNano", std::to_string(n.start_ns)},
                         {"endTimeUnixNano", std::to_string(n.end_ns)},
                         {"attributes", attrs}};
  if (n.error) span["status"] = {{"code", 2}, {"message", "exit 1"}};
  return span;
}

inline nlohmann::json Resource(const std::string& run_id) {
  return {{"attributes",
           nlohmann::json::array({Attr("service.name", "kfm.etl.test"), Attr("kfm.run_id", run_id),
                                  Attr("kfm.component", "etl")})}};
}

// One ExportTraceServiceRequest line holding `nodes` (all under the first node's run id).
inline std::string NodeLine(const std::vector<TestNode>& nodes) {
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& n : nodes) spans.push_back(NodeSpanJson(n));
  nlohmann::json request = {
      {"resourceSpans",
       nlohmann::json::array({{{"resource", Resource(nodes.at(0).run_id)},
                               {"scopeSpans", nlohmann::json::array({{{"scope", {{"name", "t"}}},
                                                                      {"spans", spans}}})}}})}};
  return request.dump();
}

struct TestRun {
  std::string trace_id = "0123456789abcdef0123456789abcdef";
  std::string span_id = "00000000000000ff";
  std::string run_id = "run-1";
  std::string pipeline = "nightly";
  std::int64_t start_ns = 1'699'999'999'000'000'000;
  std::int64_t end_ns = 1'700'000'002'000'000'000;
  bool error = false;
  double total_j = 0;
  double gco2e = 0;
};

inline std::string RunLine(const TestRun& r) {
  nlohmann::json span = {
      {"traceId", r.trace_id},
      {"spanId", r.span_id},
      {"name", "etl.run"},
      {"startTimeUnixNano", std::to_string(r.start_ns)},
      {"endTimeUnixNano", std::to_string(r.end_ns)},
      {"attributes",
       nlohmann::json::array({Attr("kfm.run_id", r.run_id), Attr("kfm.pipeline", r.pipeline),
                              Attr("energy.total_j", r.total_j), Attr("carbon.gco2e", r.gco2e),
                              Attr("energy.modelled", false)})}};
  if (r.error) span["status"] = {{"code", 2}};
  nlohmann::json request = {
      {"resourceSpans",
       nlohmann::json::array(
           {{{"resource", Resource(r.run_id)},
             {"scopeSpans",
              nlohmann::json::array({{{"spans", nlohmann::json::array({span})}}})}}})}};
  return request.dump();
}

}  // namespace kfm::store::testing
