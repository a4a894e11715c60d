#include "rollup/figures.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace kfm::rollup {

std::string_view BasisName(Basis basis) {
  return basis == Basis::kModelled ? "modelled" : "measured";
}

std::optional<double> RunFigures::JPerRecord() const {
  if (!records || *records <= 0) return std::nullopt;
  return run.total_j / static_cast<double>(*records);
}

std::optional<double> RunFigures::Gco2ePerRecord() const {
  if (!records || *records <= 0) return std::nullopt;
  return run.gco2e / static_cast<double>(*records);
}

std::optional<double> RunFigures::Gco2ePerNode() const {
  const auto count = run.node_count > 0 ? run.node_count : static_cast<int>(nodes.size());
  if (count <= 0) return std::nullopt;
  return run.gco2e / count;
}

std::vector<RunFigures> JoinRuns(const std::vector<store::RunRecord>& runs,
                                 const std::vector<store::NodeRecord>& nodes) {
  std::vector<RunFigures> out;
  out.reserve(runs.size());
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& run : runs) {
    if (index.contains(run.run_id)) continue;  // a run id is one run
    index.emplace(run.run_id, out.size());
    out.push_back({run, {}, std::nullopt, std::nullopt});
  }
  for (const auto& node : nodes) {
    auto it = index.find(node.run_id);
    if (it == index.end()) continue;
    RunFigures& figures = out[it->second];
    figures.nodes.push_back(node);
    if (node.records_out) figures.records = figures.records.value_or(0) + *node.records_out;
    if (node.bytes_out) figures.bytes = figures.bytes.value_or(0) + *node.bytes_out;
  }
  for (auto& figures : out) {
    std::sort(figures.nodes.begin(), figures.nodes.end(), [](const auto& a, const auto& b) {
      return std::tie(a.start_unix_nano, a.node, a.span_id) <
             std::tie(b.start_unix_nano, b.node, b.span_id);
    });
  }
  std::sort(out.begin(), out.end(), [](const RunFigures& a, const RunFigures& b) {
    return std::tie(a.run.start_unix_nano, a.run.run_id) <
           std::tie(b.run.start_unix_nano, b.run.run_id);
  });
  return out;
}

std::optional<double> NodeJPerRecord(const store::NodeRecord& node) {
  if (!node.records_out || *node.records_out <= 0) return std::nullopt;
  return node.total_j / static_cast<double>(*node.records_out);
}

std::optional<double> NodeGco2ePerRecord(const store::NodeRecord& node) {
  if (!node.records_out || *node.records_out <= 0) return std::nullopt;
  return node.gco2e / static_cast<double>(*node.records_out);
}

std::string MethodLabel(const store::NodeRecord& node) {
  std::string label = node.cpu_method.empty() ? "none" : node.cpu_method;
  if (!node.gpu_method.empty() && node.gpu_method != "none") label += "+" + node.gpu_method;
  return label;
}

}  // namespace kfm::rollup
