#include "lineage/run_files.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "otel/bundle.h"

#ifndef KFM_VERSION
#define KFM_VERSION "0.1.0"
#endif

namespace kfm::lineage {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Status Bad(const std::string& where, const std::string& field, const std::string& what) {
  return Status::InvalidArgument(where + ": field '" + field + "': " + what);
}

Result<json> ReadJsonFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return Status::NotFound(file.string() + ": not found");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(file.string() + ": not valid JSON: " + e.what());
  }
}

// A required string field of `object`; `where` + `field` name it in the error.
Status Text(const json& object, const char* key, const std::string& where, const std::string& path,
            std::string& out, bool required = true) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (!required) return Status::Ok();
    return Bad(where, path + key, "missing");
  }
  if (!it->is_string()) return Bad(where, path + key, "expected a string");
  out = it->get<std::string>();
  return Status::Ok();
}

Status Number(const json& object, const char* key, const std::string& where,
              const std::string& path, double& out) {
  const auto it = object.find(key);
  if (it == object.end()) return Status::Ok();
  if (!it->is_number()) return Bad(where, path + key, "expected a number");
  out = it->get<double>();
  return Status::Ok();
}

Status Joules(const json& node, const char* device, const std::string& where,
              const std::string& path, double& joules, std::string* method) {
  const auto it = node.find(device);
  if (it == node.end()) return Status::Ok();
  if (!it->is_object()) return Bad(where, path + device, "expected an object");
  if (Status s = Number(*it, "attributed_j", where, path + device + ".", joules); !s.ok()) return s;
  if (method != nullptr) return Text(*it, "method", where, path + device + ".", *method, false);
  return Status::Ok();
}

Status ReadEnergy(const fs::path& file, const json& doc, RunLineage& run) {
  const std::string where = file.string();
  if (!doc.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
  const auto nodes = doc.find("nodes");
  if (nodes == doc.end() || !nodes->is_array()) return Bad(where, "nodes", "expected an array");
  for (size_t i = 0; i < nodes->size(); ++i) {
    const json& n = (*nodes)[i];
    const std::string path = "nodes[" + std::to_string(i) + "].";
    if (!n.is_object()) return Bad(where, path.substr(0, path.size() - 1), "expected an object");
    NodeExecution node;
    for (auto [key, out] : {std::pair{"node", &node.node},
                            {"span_id", &node.span_id},
                            {"start_time", &node.start_time},
                            {"end_time", &node.end_time}}) {
      if (Status s = Text(n, key, where, path, *out); !s.ok()) return s;
    }
    for (auto [key, out] : {std::pair{"hostname", &node.hostname},
                            {"domain", &node.domain},
                            {"pipeline_kind", &node.pipeline_kind}}) {
      if (Status s = Text(n, key, where, path, *out, false); !s.ok()) return s;
    }
    std::string status = "ok";
    if (Status s = Text(n, "status", where, path, status, false); !s.ok()) return s;
    node.ok = status == "ok";
    if (Status s = Number(n, "duration_s", where, path, node.duration_s); !s.ok()) return s;
    if (Status s = Number(n, "total_j", where, path, node.total_j); !s.ok()) return s;
    if (Status s = Joules(n, "cpu", where, path, node.cpu_j, &node.cpu_method); !s.ok()) return s;
    if (Status s = Joules(n, "gpu", where, path, node.gpu_j, &node.gpu_method); !s.ok()) return s;
    if (Status s = Joules(n, "dram", where, path, node.dram_j, nullptr); !s.ok()) return s;
    if (const auto it = n.find("records_out"); it != n.end()) {
      if (!it->is_number_integer()) return Bad(where, path + "records_out", "expected an integer");
      node.records_out = it->get<int64_t>();
    }
    if (const auto it = n.find("needs"); it != n.end()) {
      if (!it->is_array()) return Bad(where, path + "needs", "expected an array of node names");
      for (size_t k = 0; k < it->size(); ++k) {
        if (!(*it)[k].is_string())
          return Bad(where, path + "needs[" + std::to_string(k) + "]", "expected a string");
        node.needs.push_back((*it)[k].get<std::string>());
      }
    }
    if (const auto it = n.find("datasets"); it != n.end()) {
      if (!it->is_array()) return Bad(where, path + "datasets", "expected an array");
      for (size_t k = 0; k < it->size(); ++k) {
        const json& d = (*it)[k];
        const std::string dpath = path + "datasets[" + std::to_string(k) + "].";
        if (!d.is_object())
          return Bad(where, dpath.substr(0, dpath.size() - 1), "expected an object");
        DatasetVersion dataset;
        for (auto [key, out] : {std::pair{"name", &dataset.name},
                                {"version", &dataset.version},
                                {"uri", &dataset.uri},
                                {"sha256", &dataset.sha256}}) {
          if (Status s = Text(d, key, where, dpath, *out); !s.ok()) return s;
        }
        dataset.node = node.node;
        dataset.generated_at = node.end_time;
        node.datasets.push_back(std::move(dataset));
      }
    }
    run.nodes.push_back(std::move(node));
  }
  return Status::Ok();
}

Status ReadCarbon(const fs::path& file, const json& doc, RunLineage& run) {
  const std::string where = file.string();
  if (!doc.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
  if (const auto tables = doc.find("tables"); tables != doc.end()) {
    if (!tables->is_object()) return Bad(where, "tables", "expected an object");
    for (const auto& [key, t] : tables->items()) {
      const std::string path = "tables." + key + ".";
      if (!t.is_object()) return Bad(where, "tables." + key, "expected an object");
      CarbonTableRef table;
      table.key = key;
      for (auto [field, out] :
           {std::pair{"id", &table.id}, {"version", &table.version}, {"sha256", &table.sha256}}) {
        if (Status s = Text(t, field, where, path, *out); !s.ok()) return s;
      }
      for (auto [field, out] : {std::pair{"source", &table.source}, {"licence", &table.licence}}) {
        if (Status s = Text(t, field, where, path, *out, false); !s.ok()) return s;
      }
      run.tables.push_back(std::move(table));
    }
  }
  const auto nodes = doc.find("nodes");
  if (nodes == doc.end() || !nodes->is_array()) return Bad(where, "nodes", "expected an array");
  std::map<std::string, NodeExecution*> by_span;
  for (auto& node : run.nodes) by_span[node.span_id] = &node;
  for (size_t i = 0; i < nodes->size(); ++i) {
    const json& n = (*nodes)[i];
    const std::string path = "nodes[" + std::to_string(i) + "].";
    if (!n.is_object()) return Bad(where, path.substr(0, path.size() - 1), "expected an object");
    std::string span_id;
    if (Status s = Text(n, "span_id", where, path, span_id); !s.ok()) return s;
    const auto it = by_span.find(span_id);
    if (it == by_span.end()) continue;  // a node the energy document does not have yet
    double gco2e = 0;
    if (Status s = Number(n, "gco2e", where, path, gco2e); !s.ok()) return s;
    it->second->gco2e = gco2e;
    std::set<std::string> used;
    if (const auto hours = n.find("hours"); hours != n.end() && hours->is_array()) {
      for (const auto& hour : *hours) {
        if (hour.is_object() && hour.contains("table") && hour["table"].is_string())
          used.insert(hour["table"].get<std::string>());
      }
    }
    it->second->tables.assign(used.begin(), used.end());
  }
  return Status::Ok();
}

std::string AnyValueText(const json& value) {
  if (!value.is_object()) return {};
  if (const auto s = value.find("stringValue"); s != value.end() && s->is_string())
    return s->get<std::string>();
  if (const auto s = value.find("boolValue"); s != value.end() && s->is_boolean())
    return s->get<bool>() ? "true" : "false";
  return {};
}

std::string UtcFromUnixNano(const json& value) {
  int64_t ns = 0;
  try {
    ns = value.is_string() ? std::stoll(value.get<std::string>()) : value.get<int64_t>();
  } catch (const std::exception&) {
    return {};
  }
  const time_t seconds = static_cast<time_t>(ns / 1000000000LL);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>((ns % 1000000000LL) / 1000));
  return buffer;
}

// The etl.run span, kfm.pipeline of the node spans and the scope version, from the bundle.
Status ReadSpans(const fs::path& file, RunLineage& run,
                 std::map<std::string, std::string>& pipeline_by_span) {
  std::ifstream in(file);
  if (!in) return Status::Ok();  // spans are optional for lineage: the documents suffice
  std::string line;
  bool first = true;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    // Only the run span's line and one node span's line (scope version, kfm.pipeline) are
    // needed; the bundle can hold thousands of node spans, so the rest are not parsed.
    if (!first && line.find("\"etl.run\"") == std::string::npos) continue;
    first = false;
    json request;
    try {
      request = json::parse(line);
    } catch (const json::exception& e) {
      return Status::InvalidArgument(file.string() + ":" + std::to_string(number) +
                                     ": not valid JSON: " + e.what());
    }
    if (!request.is_object() || !request.contains("resourceSpans") ||
        !request["resourceSpans"].is_array()) {
      return Status::InvalidArgument(file.string() + ":" + std::to_string(number) +
                                     ": field 'resourceSpans': expected an array");
    }
    for (const auto& rs : request["resourceSpans"]) {
      if (!rs.is_object() || !rs.contains("scopeSpans") || !rs["scopeSpans"].is_array()) continue;
      for (const auto& ss : rs["scopeSpans"]) {
        if (!ss.is_object()) continue;
        if (ss.contains("scope") && ss["scope"].is_object() && ss["scope"].contains("version") &&
            ss["scope"]["version"].is_string() && run.kfm_energy_version.empty()) {
          run.kfm_energy_version = ss["scope"]["version"].get<std::string>();
        }
        if (!ss.contains("spans") || !ss["spans"].is_array()) continue;
        for (const auto& span : ss["spans"]) {
          if (!span.is_object() || !span.contains("name") || !span["name"].is_string()) continue;
          std::map<std::string, std::string> attributes;
          if (span.contains("attributes") && span["attributes"].is_array()) {
            for (const auto& kv : span["attributes"]) {
              if (kv.is_object() && kv.contains("key") && kv["key"].is_string() &&
                  kv.contains("value"))
                attributes[kv["key"].get<std::string>()] = AnyValueText(kv["value"]);
            }
          }
          const std::string name = span["name"].get<std::string>();
          if (name == "etl.run") {
            run.has_run_span = true;
            run.pipeline = attributes["kfm.pipeline"];
            run.hostname = attributes["kfm.hostname"];
            if (span.contains("startTimeUnixNano"))
              run.start_time = UtcFromUnixNano(span["startTimeUnixNano"]);
            if (span.contains("endTimeUnixNano"))
              run.end_time = UtcFromUnixNano(span["endTimeUnixNano"]);
            run.ok = attributes["cicd.pipeline.result"] == "success";
          } else if (name.rfind("etl.node.", 0) == 0 && span.contains("spanId") &&
                     span["spanId"].is_string()) {
            const auto pipeline = attributes.find("kfm.pipeline");
            if (pipeline != attributes.end())
              pipeline_by_span[span["spanId"].get<std::string>()] = pipeline->second;
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

fs::path ProvPath(const fs::path& home, const std::string& run_id) {
  return home / "telemetry" / "prov" / ("kfm-run-" + run_id + ".jsonld");
}

Result<RunLineage> LoadRunLineage(const fs::path& home, const std::string& run_id) {
  if (Status s = otel::CheckPathComponent("run id", run_id); !s.ok()) return s;
  RunLineage run;
  run.run_id = run_id;
  const otel::BundlePaths paths = otel::PathsForRun(home, run_id);
  run.energy_ref = "telemetry/energy/kfm-run-" + run_id + ".json";
  run.carbon_ref = "telemetry/carbon/kfm-run-" + run_id + ".json";
  run.spans_ref = "telemetry/otel/spans-kfm-run-" + run_id + ".json";
  run.prov_ref = "telemetry/prov/kfm-run-" + run_id + ".jsonld";

  auto energy = ReadJsonFile(paths.energy);
  if (!energy.ok()) {
    if (energy.status().code() == Status::Code::kNotFound)
      return Status::NotFound("no run " + run_id + " under " + home.string() + ": " +
                              paths.energy.string() + " not found");
    return energy.status();
  }
  if (Status s = ReadEnergy(paths.energy, *energy, run); !s.ok()) return s;
  if (run.nodes.empty())
    return Status::InvalidArgument(paths.energy.string() + ": field 'nodes': no node recorded");
  std::stable_sort(run.nodes.begin(), run.nodes.end(),
                   [](const auto& a, const auto& b) { return a.start_time < b.start_time; });

  auto carbon = ReadJsonFile(paths.carbon);
  if (carbon.ok()) {
    run.has_carbon = true;
    if (Status s = ReadCarbon(paths.carbon, *carbon, run); !s.ok()) return s;
  } else if (carbon.status().code() != Status::Code::kNotFound) {
    return carbon.status();
  }

  std::map<std::string, std::string> pipeline_by_span;
  if (Status s = ReadSpans(paths.spans, run, pipeline_by_span); !s.ok()) return s;
  if (run.kfm_energy_version.empty()) run.kfm_energy_version = KFM_VERSION;
  if (run.pipeline.empty()) {
    for (const auto& node : run.nodes) {
      if (auto it = pipeline_by_span.find(node.span_id); it != pipeline_by_span.end()) {
        run.pipeline = it->second;
        break;
      }
    }
  }
  // A `run` wrapper's single node is its own pipeline (as the history store names it).
  if (run.pipeline.empty()) run.pipeline = run.nodes.front().node;
  if (run.hostname.empty()) run.hostname = run.nodes.front().hostname;
  if (run.start_time.empty()) {
    run.start_time = run.nodes.front().start_time;
    for (const auto& node : run.nodes) run.end_time = std::max(run.end_time, node.end_time);
  }
  if (!run.has_run_span) {
    run.ok = std::all_of(run.nodes.begin(), run.nodes.end(), [](const auto& n) { return n.ok; });
  }
  run.pipeline_kind = run.nodes.front().pipeline_kind;
  run.domain = run.nodes.front().domain;
  for (const auto& node : run.nodes) {
    if (node.domain != run.domain) run.domain = "telemetry";
  }
  if (run.pipeline_kind.empty()) run.pipeline_kind = "nightly";
  if (run.domain.empty()) run.domain = "telemetry";
  return run;
}

}  // namespace kfm::lineage
