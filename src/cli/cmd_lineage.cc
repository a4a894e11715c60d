// `kfm-energy lineage RUN_ID --format ...`: a run's lineage from its files under KFM_HOME as
// PROV-O (JSON-LD, Turtle), STAC items, DCAT 3, Neo4j Cypher or the release telemetry bundle;
// `--push URL` sends the Cypher to Neo4j.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "lineage/cypher.h"
#include "lineage/dcat.h"
#include "lineage/prov.h"
#include "lineage/release_bundle.h"
#include "lineage/run_files.h"
#include "lineage/stac.h"
#include "otel/bundle.h"
#include "otel/redact.h"

namespace kfm::cli {
namespace {

struct LineageOptions {
  std::string run_id;
  std::string format = "prov-jsonld";
  std::string out;
  std::string push;
  std::string release;
  bool no_write = false;
};

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

int Fail(const Status& s) {
  std::cerr << "kfm-energy lineage: " << s.message() << "\n";
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kNotFound ? 2 : 1;
}

// Writes `text` to --out (atomically) or stdout.
int Emit(const LineageOptions& options, const std::string& text) {
  if (options.out.empty() || options.out == "-") {
    std::cout << text;
    return 0;
  }
  if (Status s = otel::WriteFileAtomically(options.out, text); !s.ok()) return Fail(s);
  return 0;
}

int RunLineage(const LineageOptions& options) {
  const std::filesystem::path home = otel::HomeFromEnv();
  if (Status s = otel::CheckPathComponent("RUN_ID", options.run_id); !s.ok()) return Fail(s);
  if (!options.release.empty() && options.format != "release-bundle") {
    std::cerr << "kfm-energy lineage: --release applies to --format release-bundle only\n";
    return 2;
  }
  if (!options.push.empty() && options.format != "cypher") {
    std::cerr << "kfm-energy lineage: --push sends Cypher; use it with --format cypher\n";
    return 2;
  }
  auto run = lineage::LoadRunLineage(home, options.run_id);
  if (!run.ok()) return Fail(run.status());

  const std::string& f = options.format;
  if (f == "prov-jsonld")
    return Emit(options, lineage::BuildProvGraph(*run).ToJsonLd().dump(2) + "\n");
  if (f == "prov-turtle") return Emit(options, lineage::BuildProvGraph(*run).ToTurtle());
  if (f == "stac" || f == "dcat" || f == "dcat-jsonld") {
    const auto items = lineage::BuildStacItems(*run);
    if (items.empty()) {
      std::cerr << "kfm-energy lineage: run " << run->run_id
                << " reported no dataset (a node reports one with a `dataset NAME VERSION URI "
                   "SHA256` line in $KFM_NODE_REPORT)\n";
    }
    if (f == "stac") {
      if (!options.no_write) {
        std::vector<std::string> warnings;
        if (Status s = lineage::WriteStacItems(home, *run, &warnings); !s.ok()) return Fail(s);
        for (const auto& w : warnings) std::cerr << "kfm-energy lineage: " << w << "\n";
      }
      return Emit(options, lineage::StacItemCollection(items).dump(2) + "\n");
    }
    const lineage::Graph graph = lineage::BuildDcatGraph(items);
    return Emit(options, f == "dcat" ? graph.ToTurtle() : graph.ToJsonLd().dump(2) + "\n");
  }
  if (f == "cypher") {
    const auto statements = lineage::BuildCypherStatements(*run);
    if (options.push.empty()) return Emit(options, lineage::CypherScript(statements));
    lineage::Neo4jTarget target;
    target.url = options.push;
    target.username = Getenv("NEO4J_USERNAME");
    target.password = Getenv("NEO4J_PASSWORD");
    if (const std::string db = Getenv("NEO4J_DATABASE"); !db.empty()) target.database = db;
    if (Status s = lineage::PushToNeo4j(target, statements); !s.ok()) return Fail(s);
    std::cerr << "kfm-energy lineage: run " << run->run_id << ": " << statements.size()
              << " statements committed to " << otel::RedactUrl(lineage::Neo4jCommitUrl(target))
              << "\n";
    if (!options.out.empty()) return Emit(options, lineage::CypherScript(statements));
    return 0;
  }
  if (f == "release-bundle") {
    if (options.release.empty()) {
      std::cerr << "kfm-energy lineage: --format release-bundle needs --release VERSION\n";
      return 2;
    }
    if (Status s = otel::CheckPathComponent("--release", options.release); !s.ok()) return Fail(s);
    const std::filesystem::path file = options.out.empty()
                                           ? lineage::ReleaseBundlePath(home, options.release)
                                           : std::filesystem::path(options.out);
    std::string warning;
    if (Status s = lineage::AddRunToReleaseBundle(file, options.release, home, *run, &warning);
        !s.ok())
      return Fail(s);
    if (!warning.empty()) std::cerr << "kfm-energy lineage: " << warning << "\n";
    std::cout << file.string() << "\n";
    return 0;
  }
  std::cerr << "kfm-energy lineage: --format: unknown format '" << f << "'\n";
  return 2;
}

}  // namespace

void AddLineageCommand(CLI::App& root, int& exit_code) {
  static LineageOptions options;
  auto* cmd = root.add_subcommand(
      "lineage", "A run's lineage as PROV-O, STAC, DCAT 3, Neo4j Cypher or a release bundle");
  cmd->footer(
      "Examples:\n"
      "  kfm-energy lineage 20261125T042000Z-3f9a1c                       # PROV-O JSON-LD\n"
      "  kfm-energy lineage RUN_ID --format prov-turtle --out run.ttl\n"
      "  kfm-energy lineage RUN_ID --format stac     # items also written beside the datasets\n"
      "  kfm-energy lineage RUN_ID --format dcat     # DCAT 3 Turtle (dcat-jsonld: JSON-LD)\n"
      "  kfm-energy lineage RUN_ID --format cypher | cypher-shell\n"
      "  NEO4J_USERNAME=neo4j NEO4J_PASSWORD=... \\\n"
      "    kfm-energy lineage RUN_ID --format cypher --push http://localhost:7474\n"
      "  kfm-energy lineage RUN_ID --format release-bundle --release v11.2.0\n\n"
      "Reads only the run's files under $KFM_HOME (default ./kfm-data): telemetry/energy/,\n"
      "telemetry/carbon/ and telemetry/otel/. Every run also gets its PROV-O JSON-LD at\n"
      "telemetry/prov/kfm-run-<run-id>.jsonld when it ends. STAC items go to\n"
      "datasets/<name>/<version>/<name>-<version>.json (--no-write: print only). The release\n"
      "bundle (releases/<version>/otel-energy-etl-telemetry.json, schema\n"
      "schemas/telemetry/telemetry-bundle-v1.json) gains or replaces this run's entry.\n"
      "--push posts to <URL>/db/$NEO4J_DATABASE/tx/commit (default database neo4j) with Basic\n"
      "auth from NEO4J_USERNAME and NEO4J_PASSWORD (never printed).\n"
      "Exit codes: 0 ok, 1 Neo4j unreachable or refused, 2 bad usage, unknown run or bad file.\n"
      "See docs/reference/lineage.md.");
  cmd->add_option("RUN_ID", options.run_id, "The run (KFM_RUN_ID)")->required();
  cmd->add_option("--format", options.format,
                  "prov-jsonld, prov-turtle, stac, dcat, dcat-jsonld, cypher or release-bundle")
      ->check(CLI::IsMember({"prov-jsonld", "prov-turtle", "stac", "dcat", "dcat-jsonld", "cypher",
                             "release-bundle"}))
      ->capture_default_str();
  cmd->add_option("--out", options.out,
                  "Write to FILE instead of stdout (release-bundle: instead of the release path)");
  cmd->add_option("--push", options.push,
                  "Neo4j HTTP URL to send the Cypher to (with --format cypher)");
  cmd->add_option("--release", options.release, "Release version (with --format release-bundle)");
  cmd->add_flag("--no-write", options.no_write, "stac: do not write the items beside the datasets");
  cmd->callback([&exit_code] { exit_code = RunLineage(options); });
}

}  // namespace kfm::cli
