#include "lineage/cypher.h"

#include <map>
#include <set>

#include "otel/http_call.h"
#include "otel/redact.h"

namespace kfm::lineage {
namespace {

using nlohmann::json;

}  // namespace

std::vector<CypherStatement> BuildCypherStatements(const RunLineage& run) {
  std::vector<CypherStatement> out;
  const std::string bundle_id = "kfm-run-" + run.run_id;
  double total_j = 0, gco2e = 0;
  for (const auto& node : run.nodes) {
    total_j += node.total_j;
    gco2e += node.gco2e.value_or(0);
  }
  out.push_back(
      {"MERGE (r:Run {run_id: $run_id})\n"
       "SET r.kind = $run_kind, r.domain = $run_domain, r.pipeline = $run_pipeline,\n"
       "    r.host = $run_host, r.started_at = $run_started_at,\n"
       "    r.ended_at = $run_ended_at, r.status = $run_status,\n"
       "    r.energy_total_j = $run_energy_total_j, r.carbon_gco2e = $run_carbon_gco2e",
       {{"run_id", run.run_id},
        {"run_kind", run.pipeline_kind},
        {"run_domain", run.domain},
        {"run_pipeline", run.pipeline},
        {"run_host", run.hostname},
        {"run_started_at", run.start_time},
        {"run_ended_at", run.end_time},
        {"run_status", run.ok ? "ok" : "error"},
        {"run_energy_total_j", total_j},
        {"run_carbon_gco2e", gco2e}}});
  out.push_back(
      {"MERGE (b:TelemetryBundle {bundle_id: $bundle_id})\n"
       "SET b.energy_ref = $energy_ref, b.carbon_ref = $carbon_ref,\n"
       "    b.otel_span_bundle = $otel_span_bundle, b.prov_ref = $prov_ref,\n"
       "    b.energy_schema = $energy_schema, b.carbon_schema = $carbon_schema",
       {{"bundle_id", bundle_id},
        {"energy_ref", run.energy_ref},
        {"carbon_ref", run.carbon_ref},
        {"otel_span_bundle", run.spans_ref},
        {"prov_ref", run.prov_ref},
        {"energy_schema", "schemas/telemetry/energy-v2.json"},
        {"carbon_schema", "schemas/telemetry/carbon-v2.json"}}});
  const json run_and_bundle = {{"run_id", run.run_id}, {"bundle_id", bundle_id}};
  out.push_back(
      {"MATCH (r:Run {run_id: $run_id}), (b:TelemetryBundle {bundle_id: $bundle_id})\n"
       "MERGE (r)-[:HAS_ENERGY_TELEMETRY]->(b)",
       run_and_bundle});
  out.push_back(
      {"MATCH (r:Run {run_id: $run_id}), (b:TelemetryBundle {bundle_id: $bundle_id})\n"
       "MERGE (b)-[:DESCRIBES_ACTIVITY]->(r)",
       run_and_bundle});

  for (size_t t = 0; t < run.tables.size(); ++t) {
    const CarbonTableRef& table = run.tables[t];
    const std::string p = "table" + std::to_string(t) + "_";
    out.push_back({"MERGE (t:CarbonTable {key: $" + p + "key})\n" + "SET t.table_id = $" + p +
                       "id, t.version = $" + p + "version,\n" + "    t.source = $" + p +
                       "source, t.sha256 = $" + p + "sha256",
                   {{p + "key", table.key},
                    {p + "id", table.id},
                    {p + "version", table.version},
                    {p + "source", table.source},
                    {p + "sha256", table.sha256}}});
  }
  std::map<std::string, std::vector<std::string>> span_ids_by_name;
  for (const auto& node : run.nodes) span_ids_by_name[node.node].push_back(node.span_id);
  std::map<std::string, size_t> table_index;
  for (size_t t = 0; t < run.tables.size(); ++t) table_index[run.tables[t].key] = t;

  size_t dataset_count = 0;
  for (size_t n = 0; n < run.nodes.size(); ++n) {
    const NodeExecution& node = run.nodes[n];
    const std::string p = "node" + std::to_string(n) + "_";
    json params = {{"run_id", run.run_id},
                   {p + "id", run.run_id + "/" + node.span_id},
                   {p + "name", node.node},
                   {p + "domain", node.domain},
                   {p + "started_at", node.start_time},
                   {p + "ended_at", node.end_time},
                   {p + "runtime_s", node.duration_s},
                   {p + "cpu_j", node.cpu_j},
                   {p + "gpu_j", node.gpu_j},
                   {p + "total_j", node.total_j},
                   {p + "gco2e", node.gco2e.value_or(0)}};
    out.push_back(
        {"MATCH (r:Run {run_id: $run_id})\n"
         "MERGE (n:NodeExecution {id: $" +
             p + "id})\n" + "SET n.name = $" + p + "name, n.domain = $" + p + "domain,\n" +
             "    n.started_at = $" + p + "started_at, n.ended_at = $" + p + "ended_at,\n" +
             "    n.runtime_s = $" + p + "runtime_s, n.cpu_j = $" + p + "cpu_j, n.gpu_j = $" + p +
             "gpu_j,\n" + "    n.total_j = $" + p + "total_j, n.gco2e = $" + p + "gco2e\n" +
             "MERGE (r)-[:HAS_NODE]->(n)",
         params});
    for (const std::string& key : node.tables) {
      const auto it = table_index.find(key);
      if (it == table_index.end()) continue;
      const std::string tp = "table" + std::to_string(it->second) + "_";
      out.push_back({"MATCH (n:NodeExecution {id: $" + p + "id}), (t:CarbonTable {key: $" + tp +
                         "key})\nMERGE (n)-[:USED_CARBON_TABLE]->(t)",
                     {{p + "id", run.run_id + "/" + node.span_id}, {tp + "key", key}}});
    }
    for (const std::string& need : node.needs) {
      const auto up = span_ids_by_name.find(need);
      if (up == span_ids_by_name.end()) continue;
      for (const std::string& span_id : up->second) {
        const std::string q = "edge" + std::to_string(out.size()) + "_";
        out.push_back({"MATCH (n:NodeExecution {id: $" + p + "id}), (u:NodeExecution {id: $" + q +
                           "upstream})\nMERGE (n)-[:INFORMED_BY]->(u)",
                       {{p + "id", run.run_id + "/" + node.span_id},
                        {q + "upstream", run.run_id + "/" + span_id}}});
      }
    }
    for (const DatasetVersion& d : node.datasets) {
      const std::string q = "dataset" + std::to_string(dataset_count++) + "_";
      out.push_back({"MERGE (d:DatasetVersion {id: $" + q + "id})\n" + "SET d.name = $" + q +
                         "name, d.version = $" + q + "version, d.uri = $" + q + "uri,\n" +
                         "    d.sha256 = $" + q + "sha256, d.generated_at = $" + q + "generated_at",
                     {{q + "id", d.name + "@" + d.version},
                      {q + "name", d.name},
                      {q + "version", d.version},
                      {q + "uri", d.uri},
                      {q + "sha256", d.sha256},
                      {q + "generated_at", d.generated_at}}});
      out.push_back({"MATCH (r:Run {run_id: $run_id}), (d:DatasetVersion {id: $" + q + "id})\n" +
                         "MERGE (r)-[:GENERATED]->(d)",
                     {{"run_id", run.run_id}, {q + "id", d.name + "@" + d.version}}});
      out.push_back(
          {"MATCH (n:NodeExecution {id: $" + p + "id}), (d:DatasetVersion {id: $" + q +
               "id})\nMERGE (n)-[:PRODUCED]->(d)",
           {{p + "id", run.run_id + "/" + node.span_id}, {q + "id", d.name + "@" + d.version}}});
    }
  }
  return out;
}

std::string CypherScript(const std::vector<CypherStatement>& statements) {
  std::string script =
      "// kfm-energy lineage (Cypher). Values are parameters: run with cypher-shell, which reads\n"
      "// the :param lines, or send the statements with their parameters over HTTP.\n";
  std::set<std::string> declared;
  for (const CypherStatement& s : statements) {
    for (const auto& [name, value] : s.parameters.items()) {
      // A JSON scalar is also a Cypher literal: strings use the same escapes.
      if (declared.insert(name).second) script += ":param " + name + " => " + value.dump() + "\n";
    }
  }
  for (const CypherStatement& s : statements) script += "\n" + s.text + ";\n";
  return script;
}

json Neo4jRequest(const std::vector<CypherStatement>& statements) {
  json list = json::array();
  for (const CypherStatement& s : statements)
    list.push_back({{"statement", s.text}, {"parameters", s.parameters}});
  return {{"statements", std::move(list)}};
}

std::string Neo4jCommitUrl(const Neo4jTarget& target) {
  std::string url = target.url;
  if (url.size() >= 10 && url.compare(url.size() - 10, 10, "/tx/commit") == 0) return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/db/" + target.database + "/tx/commit";
}

Status PushToNeo4j(const Neo4jTarget& target, const std::vector<CypherStatement>& statements) {
  const std::string url = Neo4jCommitUrl(target);
  const std::string shown = otel::RedactUrl(url);  // a password in the URL never reaches a message
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return Status::InvalidArgument("--push: '" + otel::RedactUrl(target.url) +
                                   "' is not an http(s) URL");
  const std::string body = Neo4jRequest(statements).dump();
  otel::HttpRequest request;
  request.url = url;
  request.method = "POST";
  request.body = body;
  request.headers = {"Content-Type: application/json", "Accept: application/json;charset=UTF-8"};
  request.basic_user = target.username;
  request.basic_password = target.password;
  request.timeout = target.timeout;
  auto sent = otel::SendHttp(request, "cannot reach Neo4j at " + shown);
  if (!sent.ok()) return sent.status();
  const long status = sent->status;
  const std::string& answer = sent->body;
  if (status == 401 || status == 403) {
    return Status::Unavailable("Neo4j " + shown + ": HTTP " + std::to_string(status) +
                               " (check NEO4J_USERNAME and NEO4J_PASSWORD)");
  }
  if (status < 200 || status >= 300) {
    return Status::Unavailable("Neo4j " + shown + ": HTTP " + std::to_string(status) + ": " +
                               answer.substr(0, 200));
  }
  const json reply = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (reply.is_object() && reply.contains("errors") && reply["errors"].is_array() &&
      !reply["errors"].empty()) {
    std::string text;
    for (const auto& e : reply["errors"]) {
      if (!text.empty()) text += "; ";
      text += e.value("code", std::string("?")) + ": " + e.value("message", std::string());
    }
    return Status::Unavailable("Neo4j " + shown + " rejected the statements: " + text);
  }
  return Status::Ok();
}

}  // namespace kfm::lineage
