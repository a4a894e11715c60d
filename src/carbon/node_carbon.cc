#include "carbon/node_carbon.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace kfm::carbon {
namespace {

constexpr double kSecondsPerYear = 365.25 * 86400;

std::string TableKey(const Table& table) { return table.meta.id + "@" + table.meta.version; }

Status Field(const std::string& where, const std::string& field, const std::string& what) {
  return Status::InvalidArgument(where + ": field '" + field + "': " + what);
}

}  // namespace

Result<std::optional<Embodied>> LoadEmbodied(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<Embodied>();
  std::ifstream in(path);
  if (!in) return Status::IoError(path.string() + ": cannot open");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or a number out of range
    return Status::InvalidArgument(path.string() + ": not valid JSON: " + e.what());
  }
  const std::string where = path.string();
  if (!doc.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
  Embodied e;
  for (const auto& [key, value] : doc.items()) {
    if (key == "source") {
      if (!value.is_string()) return Field(where, key, "expected a string");
      e.source = value.get<std::string>();
      continue;
    }
    double* target = key == "embodied_kgco2e"  ? &e.total_kgco2e
                     : key == "lifetime_years" ? &e.lifetime_years
                     : key == "share"          ? &e.share
                                               : nullptr;
    if (target == nullptr) {
      return Field(where, key,
                   "unknown field (known: embodied_kgco2e, lifetime_years, share, source)");
    }
    if (!value.is_number()) return Field(where, key, "expected a number");
    *target = value.get<double>();
  }
  if (!doc.contains("embodied_kgco2e") || e.total_kgco2e < 0)
    return Field(where, "embodied_kgco2e", "required, a number >= 0 (kg CO2e)");
  if (!doc.contains("lifetime_years") || e.lifetime_years <= 0)
    return Field(where, "lifetime_years", "required, a number > 0");
  if (e.share <= 0 || e.share > 1) return Field(where, "share", "must be in (0, 1]");
  if (e.source.empty()) return Field(where, "source", "required: where the figure comes from");
  return std::optional<Embodied>(e);
}

Result<NodeCarbon> ScoreNode(const TableSet& tables, NodeCarbonInput input) {
  if (input.hours.empty())
    return Status::Internal("ScoreNode: node " + input.node + " has no hours");
  NodeCarbon out;
  double kwh = 0;
  for (const EnergyHour& hour : input.hours) {
    auto factor = tables.Lookup(input.region, hour.hour_start_s);
    if (!factor.ok()) return factor.status();
    ScoredHour scored{hour, std::move(*factor), GramsCO2e(0)};
    scored.carbon = hour.energy * scored.factor.value;
    out.energy += hour.energy;
    out.operational += scored.carbon;
    kwh += hour.energy.value() / kJoulesPerKwh;
    out.hours.push_back(std::move(scored));
  }
  // The coarsest resolution that carried energy (any hour when none did) speaks for the node.
  const ScoredHour* summary = nullptr;
  for (const ScoredHour& h : out.hours) {
    const bool counts = h.hour.energy.value() > 0 || out.energy.value() == 0;
    if (counts && (summary == nullptr || h.factor.resolution > summary->factor.resolution))
      summary = &h;
  }
  if (summary == nullptr) summary = &out.hours.front();
  out.summary = summary->factor;
  out.intensity = kwh > 0 ? GramsPerKwh(out.operational.value() / kwh) : summary->factor.value;
  if (input.embodied) {
    const Embodied& e = *input.embodied;
    // M = TE x (TiR / EL) x share.
    out.embodied = GramsCO2e(e.total_kgco2e * 1000.0 * input.duration_s /
                             (e.lifetime_years * kSecondsPerYear) * e.share);
  }
  if (input.records_out && *input.records_out > 0) {
    out.gco2e_per_record =
        (out.operational + out.embodied).value() / static_cast<double>(*input.records_out);
  }
  out.input = std::move(input);
  return out;
}

nlohmann::json TableProvenance(const Table& table) {
  return {{"id", table.meta.id},           {"version", table.meta.version},
          {"sha256", table.sha256},        {"source", table.meta.source},
          {"licence", table.meta.licence}, {"retrieved", table.meta.retrieved},
          {"basis", table.meta.basis},     {"scope", table.meta.scope},
          {"origin", table.origin}};
}

nlohmann::json NodeCarbonJson(const NodeCarbon& c) {
  const NodeCarbonInput& in = c.input;
  nlohmann::json hours = nlohmann::json::array();
  for (const ScoredHour& h : c.hours) {
    nlohmann::json hour = {{"start", FormatUtcSeconds(h.hour.hour_start_s)},
                           {"energy_j", h.hour.energy.value()},
                           {"gco2e_per_kwh", h.factor.value.value()},
                           {"resolution", std::string(ResolutionName(h.factor.resolution))},
                           {"table", TableKey(*h.factor.table)},
                           {"table_region", h.factor.table_region},
                           {"gco2e", h.carbon.value()}};
    if (h.factor.resolution != Resolution::kStatic)
      hour["period_start"] = FormatUtcSeconds(h.factor.period_start_s);
    if (h.factor.worst_case) hour["worst_case"] = true;
    hours.push_back(std::move(hour));
  }
  nlohmann::json sci = {{"operational_gco2e", c.operational.value()},
                        {"embodied_gco2e", c.embodied.value()}};
  if (in.records_out) sci["records_out"] = *in.records_out;
  if (c.gco2e_per_record) sci["gco2e_per_record"] = *c.gco2e_per_record;
  if (in.embodied) {
    sci["embodied"] = {{"embodied_kgco2e", in.embodied->total_kgco2e},
                       {"lifetime_years", in.embodied->lifetime_years},
                       {"share", in.embodied->share},
                       {"source", in.embodied->source}};
  }
  return {{"node", in.node},
          {"trace_id", in.trace_id},
          {"span_id", in.span_id},
          {"start_time", in.start_time},
          {"end_time", in.end_time},
          {"duration_s", in.duration_s},
          {"region", in.region},
          {"energy_j", c.energy.value()},
          {"energy_modelled", in.energy_modelled},
          {"gco2e", c.operational.value()},
          {"intensity_gco2e_per_kwh", c.intensity.value()},
          {"factor_resolution", std::string(ResolutionName(c.summary.resolution))},
          {"table_id", c.summary.table->meta.id},
          {"table_version", c.summary.table->meta.version},
          {"hours", std::move(hours)},
          {"sci", std::move(sci)}};
}

Result<NodeCarbonInput> NodeCarbonInputFromJson(const nlohmann::json& node,
                                                const std::string& where) {
  NodeCarbonInput in;
  try {
    in.node = node.at("node").get<std::string>();
    in.trace_id = node.at("trace_id").get<std::string>();
    in.span_id = node.at("span_id").get<std::string>();
    in.start_time = node.at("start_time").get<std::string>();
    in.end_time = node.at("end_time").get<std::string>();
    in.duration_s = node.at("duration_s").get<double>();
    in.region = node.at("region").get<std::string>();
    in.energy_modelled = node.at("energy_modelled").get<bool>();
    for (const auto& hour : node.at("hours")) {
      EnergyHour h;
      if (!ParseUtcSeconds(hour.at("start").get<std::string>(), &h.hour_start_s))
        return Field(where, "hours[].start", "not a UTC time");
      h.energy = Joules(hour.at("energy_j").get<double>());
      in.hours.push_back(h);
    }
    const auto& sci = node.at("sci");
    if (sci.contains("records_out")) in.records_out = sci.at("records_out").get<int64_t>();
    if (sci.contains("embodied")) {
      const auto& e = sci.at("embodied");
      in.embodied =
          Embodied{e.at("embodied_kgco2e").get<double>(), e.at("lifetime_years").get<double>(),
                   e.at("share").get<double>(), e.at("source").get<std::string>()};
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(where + ": not a carbon-v2 node entry: " + e.what());
  }
  if (in.hours.empty()) return Field(where, "hours", "empty");
  return in;
}

void MergeIntoRunDocument(nlohmann::json& doc, const std::string& run_id, const NodeCarbon& c) {
  MergeIntoRunDocument(doc, run_id, std::vector<const NodeCarbon*>{&c});
}

void MergeIntoRunDocument(nlohmann::json& doc, const std::string& run_id,
                          const std::vector<const NodeCarbon*>& batch) {
  if (!doc.is_object()) {
    doc = {{"schema", "kfm.carbon.v2"},
           {"run_id", run_id},
           {"nodes", nlohmann::json::array()},
           {"tables", nlohmann::json::object()}};
  }
  auto text = [](const nlohmann::json& node, const char* key) -> std::string {
    const auto it = node.find(key);
    return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  nlohmann::json& nodes = doc["nodes"];
  if (!nodes.is_array()) nodes = nlohmann::json::array();
  nlohmann::json known_tables = doc.value("tables", nlohmann::json::object());
  std::unordered_map<std::string, size_t> by_span;
  for (size_t i = 0; i < nodes.size(); ++i) by_span[text(nodes[i], "span_id")] = i;
  for (const NodeCarbon* c : batch) {
    for (const ScoredHour& h : c->hours)
      known_tables[TableKey(*h.factor.table)] = TableProvenance(*h.factor.table);
    nlohmann::json entry = NodeCarbonJson(*c);
    if (const auto it = by_span.find(c->input.span_id); it != by_span.end()) {
      nodes[it->second] = std::move(entry);
    } else {
      by_span[c->input.span_id] = nodes.size();
      nodes.push_back(std::move(entry));
    }
  }
  // Sorted by start time, node and span id: the same document whatever order nodes finished.
  using Key = std::tuple<std::string, std::string, std::string>;
  std::vector<std::pair<Key, nlohmann::json>> keyed;
  keyed.reserve(nodes.size());
  for (auto& node : nodes) {
    Key key{text(node, "start_time"), text(node, "node"), text(node, "span_id")};
    keyed.emplace_back(std::move(key), std::move(node));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json sorted = nlohmann::json::array();
  for (auto& [key, node] : keyed) sorted.push_back(std::move(node));
  // The tables of the nodes now in the document, each once (keys sort: a stable order).
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& node : sorted) {
    const auto hours = node.find("hours");
    if (hours == node.end()) continue;
    for (const auto& hour : *hours) {
      const std::string key = text(hour, "table");
      if (!tables.contains(key) && known_tables.contains(key)) tables[key] = known_tables[key];
    }
  }
  doc["nodes"] = std::move(sorted);
  doc["tables"] = std::move(tables);
}

Result<nlohmann::json> RescoreDocument(const nlohmann::json& original, const TableSet& tables,
                                       const std::string& where) {
  if (!original.is_object() || original.value("schema", "") != "kfm.carbon.v2" ||
      !original.contains("nodes") || !original["nodes"].is_array()) {
    return Status::InvalidArgument(where + ": not a kfm.carbon.v2 document");
  }
  const std::string run_id = original.value("run_id", "");
  nlohmann::json doc;
  std::vector<NodeCarbon> rescored;
  size_t index = 0;
  for (const auto& node : original["nodes"]) {
    const std::string at = where + ": /nodes/" + std::to_string(index++);
    auto input = NodeCarbonInputFromJson(node, at);
    if (!input.ok()) return input.status();
    auto scored = ScoreNode(tables, std::move(*input));
    if (!scored.ok()) return Status::InvalidArgument(at + ": " + scored.status().message());
    rescored.push_back(std::move(*scored));
  }
  if (rescored.empty()) return Status::InvalidArgument(where + ": /nodes: empty");
  std::vector<const NodeCarbon*> batch;
  for (const NodeCarbon& c : rescored) batch.push_back(&c);
  MergeIntoRunDocument(doc, run_id, batch);
  return doc;
}

}  // namespace kfm::carbon
