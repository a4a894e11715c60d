// The Cypher statements carry every value as a parameter, declared once in the script, and
// the Neo4j request pairs each statement with exactly the parameters it uses.
#include "lineage/cypher.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace kfm::lineage {
namespace {

RunLineage HostileRun() {
  RunLineage run;
  run.run_id = "r-1";
  run.pipeline = "nightly";
  run.pipeline_kind = "nightly";
  run.domain = "telemetry";
  run.hostname = "host-a";
  run.start_time = "2026-11-25T04:20:00.000000Z";
  run.end_time = "2026-11-25T04:21:00.000000Z";
  run.energy_ref = "telemetry/energy/kfm-run-r-1.json";
  NodeExecution a;
  a.node = "ingest";
  a.span_id = "00f067aa0ba902b7";
  a.start_time = run.start_time;
  a.end_time = run.end_time;
  a.datasets.push_back({"x'}) DETACH DELETE n //", "v1\"", "file:///a\\b'c", std::string(64, 'a'),
                        "ingest", run.end_time});
  NodeExecution b = a;
  b.node = "publish";
  b.span_id = "00f067aa0ba902b8";
  b.datasets.clear();
  b.needs = {"ingest", "never-ran"};
  run.nodes = {a, b};
  run.tables.push_back({"t@1", "t", "1", "src", std::string(64, 'b'), ""});
  run.nodes[0].tables = {"t@1"};
  return run;
}

TEST(CypherTest, StatementsHoldNoValuesAndEveryParameterTheyUse) {
  const auto statements = BuildCypherStatements(HostileRun());
  ASSERT_FALSE(statements.empty());
  const std::regex param(R"(\$([A-Za-z_][A-Za-z0-9_]*))");
  for (const auto& s : statements) {
    EXPECT_EQ(s.text.find('\''), std::string::npos) << s.text;
    EXPECT_EQ(s.text.find('"'), std::string::npos) << s.text;
    EXPECT_EQ(s.text.find("DETACH"), std::string::npos) << s.text;
    std::set<std::string> used;
    for (std::sregex_iterator it(s.text.begin(), s.text.end(), param), end; it != end; ++it)
      used.insert((*it)[1]);
    std::set<std::string> given;
    for (const auto& [name, value] : s.parameters.items()) given.insert(name);
    EXPECT_EQ(used, given) << s.text;
  }
}

TEST(CypherTest, ScriptDeclaresEachParameterOnceAndEdgesOnlyToNodesThatRan) {
  const auto statements = BuildCypherStatements(HostileRun());
  const std::string script = CypherScript(statements);
  EXPECT_NE(script.find(":param dataset0_name => \"x'}) DETACH DELETE n //\""), std::string::npos)
      << script;
  EXPECT_NE(script.find(":param dataset0_uri => \"file:///a\\\\b'c\""), std::string::npos);
  size_t run_ids = 0;
  for (size_t at = script.find(":param run_id =>"); at != std::string::npos;
       at = script.find(":param run_id =>", at + 1))
    ++run_ids;
  EXPECT_EQ(run_ids, 1u);
  int informed = 0;
  for (const auto& s : statements) informed += s.text.find("INFORMED_BY") != std::string::npos;
  EXPECT_EQ(informed, 1);  // publish -> ingest; "never-ran" has no node
  for (const char* label : {"HAS_ENERGY_TELEMETRY", "DESCRIBES_ACTIVITY", "GENERATED",
                            "USED_CARBON_TABLE", ":Run {run_id: $run_id}"}) {
    EXPECT_NE(script.find(label), std::string::npos) << label;
  }
}

TEST(CypherTest, Neo4jRequestAndCommitUrl) {
  const auto statements = BuildCypherStatements(HostileRun());
  const auto request = Neo4jRequest(statements);
  ASSERT_EQ(request["statements"].size(), statements.size());
  EXPECT_EQ(request["statements"][0]["parameters"]["run_id"], "r-1");
  Neo4jTarget target;
  target.url = "http://db:7474/";
  EXPECT_EQ(Neo4jCommitUrl(target), "http://db:7474/db/neo4j/tx/commit");
  target.database = "lineage";
  EXPECT_EQ(Neo4jCommitUrl(target), "http://db:7474/db/lineage/tx/commit");
  target.url = "https://db/db/x/tx/commit";
  EXPECT_EQ(Neo4jCommitUrl(target), "https://db/db/x/tx/commit");
}

TEST(CypherTest, PushToAClosedPortIsUnavailableNamingTheUrl) {
  Neo4jTarget target;
  target.url = "http://127.0.0.1:1";
  target.password = "never-shown";
  target.username = "u";
  target.timeout = std::chrono::milliseconds(2000);
  const Status s = PushToNeo4j(target, BuildCypherStatements(HostileRun()));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("cannot reach Neo4j at http://127.0.0.1:1/db/neo4j/tx/commit"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("never-shown"), std::string::npos);
}

TEST(CypherTest, APasswordInThePushUrlNeverReachesTheMessage) {
  Neo4jTarget target;
  target.url = "http://writer:url-secret-pw@127.0.0.1:1";
  target.timeout = std::chrono::milliseconds(2000);
  const Status s = PushToNeo4j(target, BuildCypherStatements(HostileRun()));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message().find("url-secret-pw"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("writer:<redacted>@127.0.0.1:1"), std::string::npos) << s.message();
  target.url = "ftp://writer:url-secret-pw@host";
  const Status bad = PushToNeo4j(target, {});
  EXPECT_EQ(bad.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad.message().find("url-secret-pw"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace kfm::lineage
