// Neo4j lineage for one run as Cypher: idempotent MERGE statements whose values travel only
// as parameters ($name), never in the statement text, so no reported name, version or URI can
// change a query. The same statements become a cypher-shell script (`:param` lines, then the
// statements) or one Neo4j HTTP transactional request (statements + parameters), which
// PushToNeo4j sends. Pure but for PushToNeo4j; thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kfm/status.h"
#include "lineage/run_files.h"

namespace kfm::lineage {

struct CypherStatement {
  std::string text;           // parameters only: `$name`
  nlohmann::json parameters;  // object: name -> value used by `text`
};

// (:Run {run_id, kind, domain, ...}), (:TelemetryBundle), (:DatasetVersion),
// (:NodeExecution), (:CarbonTable) and HAS_ENERGY_TELEMETRY, DESCRIBES_ACTIVITY, GENERATED,
// HAS_NODE, INFORMED_BY, PRODUCED, USED_CARBON_TABLE between them.
std::vector<CypherStatement> BuildCypherStatements(const RunLineage& run);

// `:param name => <value>` lines (each parameter once), then each statement ending in ';'.
std::string CypherScript(const std::vector<CypherStatement>& statements);

// The body of POST /db/<database>/tx/commit: {"statements": [{statement, parameters}]}.
nlohmann::json Neo4jRequest(const std::vector<CypherStatement>& statements);

struct Neo4jTarget {
  std::string url;  // http(s)://host:port, or the full .../tx/commit endpoint
  std::string database = "neo4j";
  std::string username;  // empty: no Authorization header
  std::string password;
  std::chrono::milliseconds timeout{10000};
};

// The endpoint PushToNeo4j posts to.
std::string Neo4jCommitUrl(const Neo4jTarget& target);

// Sends the statements in one transaction. Unavailable when the server cannot be reached or
// answers with an HTTP error or Cypher errors (their codes and messages, never credentials).
Status PushToNeo4j(const Neo4jTarget& target, const std::vector<CypherStatement>& statements);

}  // namespace kfm::lineage
