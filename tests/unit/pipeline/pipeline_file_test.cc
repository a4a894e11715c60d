#include "pipeline/pipeline_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

namespace kfm::pipeline {
namespace {

using std::chrono::milliseconds;

// DESIGN.md "Pipeline file", verbatim.
constexpr const char* kDesignExample = R"(pipeline: nightly
region: SPP_KS
defaults: {domain: telemetry, pipeline_kind: nightly, timeout: 2h, retries: 0, production: true}
nodes:
  hrrr_ingest:
    domain: atmo
    run: [kfm-hrrr-ingest, --input, examples/nightly/data/hrrr, --out, "${KFM_HOME}/datasets/hrrr"]
  usgs_gauges:
    domain: hydro
    run: [kfm-usgs-gauges, --input, examples/nightly/data/usgs, --out, "${KFM_HOME}/datasets/usgs"]
  energy_rollup:
    needs: [hrrr_ingest, usgs_gauges]
    run: [kfm-energy, rollup, --window, 30d]
)";

const std::string kErrorsDir = KFM_FIXTURES_DIR "/../../examples/nightly/pipeline-check-errors";

// The message of the refusal of `yaml`, which must be InvalidArgument.
std::string ErrorOf(const std::string& yaml) {
  auto r = ParsePipeline(yaml, "p.yaml");
  if (r.ok()) return "(accepted)";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().message();
  return r.status().message();
}

std::vector<std::string> OrderOf(const PipelineSpec& spec) {
  std::vector<std::string> names;
  for (size_t i : spec.topological_order) names.push_back(spec.nodes[i].name);
  return names;
}

TEST(PipelineFileTest, DesignExampleParsesExactly) {
  auto r = ParsePipeline(kDesignExample, "nightly.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const PipelineSpec& p = r.value();
  EXPECT_EQ(p.file, "nightly.yaml");
  EXPECT_EQ(p.name, "nightly");
  EXPECT_EQ(p.region, "SPP_KS");
  ASSERT_EQ(p.nodes.size(), 3u);

  const NodeSpec& hrrr = p.nodes[0];
  EXPECT_EQ(hrrr.name, "hrrr_ingest");
  EXPECT_EQ(hrrr.line, 5);
  EXPECT_EQ(hrrr.run,
            (std::vector<std::string>{"kfm-hrrr-ingest", "--input", "examples/nightly/data/hrrr",
                                      "--out", "${KFM_HOME}/datasets/hrrr"}));
  EXPECT_TRUE(hrrr.shell.empty());
  EXPECT_TRUE(hrrr.needs.empty());
  EXPECT_EQ(hrrr.domain, "atmo");
  EXPECT_EQ(hrrr.pipeline_kind, "nightly");
  EXPECT_EQ(hrrr.timeout, milliseconds(2 * 3600 * 1000));
  EXPECT_EQ(hrrr.retries, 0);
  EXPECT_TRUE(hrrr.production);
  EXPECT_TRUE(hrrr.env.empty());

  const NodeSpec& usgs = p.nodes[1];
  EXPECT_EQ(usgs.name, "usgs_gauges");
  EXPECT_EQ(usgs.line, 8);
  EXPECT_EQ(usgs.domain, "hydro");
  EXPECT_EQ(usgs.run.back(), "${KFM_HOME}/datasets/usgs");

  const NodeSpec& rollup = p.nodes[2];
  EXPECT_EQ(rollup.name, "energy_rollup");
  EXPECT_EQ(rollup.line, 11);
  EXPECT_EQ(rollup.needs, (std::vector<std::string>{"hrrr_ingest", "usgs_gauges"}));
  EXPECT_EQ(rollup.run, (std::vector<std::string>{"kfm-energy", "rollup", "--window", "30d"}));
  EXPECT_EQ(rollup.domain, "telemetry");
  EXPECT_EQ(rollup.timeout, milliseconds(7'200'000));

  EXPECT_EQ(OrderOf(p), (std::vector<std::string>{"hrrr_ingest", "usgs_gauges", "energy_rollup"}));
  ASSERT_NE(p.Find("usgs_gauges"), nullptr);
  EXPECT_EQ(p.Find("usgs_gauges")->domain, "hydro");
  EXPECT_EQ(p.Find("nope"), nullptr);
}

TEST(PipelineFileTest, BuiltInDefaultsWhenNothingIsGiven) {
  auto r = ParsePipeline("pipeline: p\nnodes:\n  a:\n    shell: echo hi | wc -c\n", "p.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const NodeSpec& a = r->nodes[0];
  EXPECT_TRUE(a.run.empty());
  EXPECT_EQ(a.shell, "echo hi | wc -c");
  EXPECT_EQ(a.domain, "telemetry");
  EXPECT_EQ(a.pipeline_kind, "nightly");
  EXPECT_EQ(a.timeout, milliseconds(0));
  EXPECT_EQ(a.retries, 0);
  EXPECT_TRUE(a.production);
  EXPECT_TRUE(r->region.empty());
}

TEST(PipelineFileTest, NodeSettingsOverrideDefaultsAndEnvMerges) {
  setenv("KFM_PIPELINE_TEST_HOME", "/srv/kfm", 1);
  auto r = ParsePipeline(R"(pipeline: p
defaults:
  timeout: 90
  retries: 2
  production: false
  pipeline_kind: hourly
  env: {A: one, B: "${KFM_PIPELINE_TEST_HOME}/b", THREADS: 4}
nodes:
  a:
    run: [x]
    env: {B: two, C: "${KFM_PIPELINE_TEST_UNSET:-fallback}"}
    timeout: 1h30m
    retries: 10
    production: true
    pipeline_kind: backfill
    domain: atmo
  b:
    run: [y]
    needs: a
)",
                         "p.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const NodeSpec& a = r->nodes[0];
  EXPECT_EQ(a.timeout, milliseconds(90 * 60 * 1000));
  EXPECT_EQ(a.retries, 10);
  EXPECT_TRUE(a.production);
  EXPECT_EQ(a.pipeline_kind, "backfill");
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(a.env, (Env{{"A", "one"}, {"B", "two"}, {"THREADS", "4"}, {"C", "fallback"}}));
  const NodeSpec& b = r->nodes[1];
  EXPECT_EQ(b.timeout, milliseconds(90'000));
  EXPECT_EQ(b.retries, 2);
  EXPECT_FALSE(b.production);
  EXPECT_EQ(b.pipeline_kind, "hourly");
  EXPECT_EQ(b.needs, std::vector<std::string>{"a"});
  EXPECT_EQ(b.env, (Env{{"A", "one"}, {"B", "/srv/kfm/b"}, {"THREADS", "4"}}));
}

TEST(PipelineFileTest, TopologicalOrderIsStableInFileOrder) {
  auto r = ParsePipeline(R"(pipeline: p
nodes:
  report: {needs: [rollup, gauges], run: [r]}
  rollup: {needs: [hrrr, gauges], run: [r]}
  zeta: {run: [z]}
  hrrr: {run: [h]}
  gauges: {run: [g]}
  alpha: {needs: zeta, run: [a]}
)",
                         "p.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(OrderOf(r.value()),
            (std::vector<std::string>{"zeta", "hrrr", "gauges", "rollup", "report", "alpha"}));
}

TEST(PipelineFileTest, SyntaxErrorsNameLineAndColumn) {
  // yaml-cpp notices an unclosed flow list where the input ends.
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes: [a, b\n"),
            "p.yaml:3:1: syntax: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo\n  b: {}\n"),
            "p.yaml:5:4: syntax: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("pipeline: x\n pipeline: y\n"), "p.yaml:2:10: syntax: illegal map value");
}

TEST(PipelineFileTest, TopLevelShape) {
  EXPECT_EQ(ErrorOf(""),
            "p.yaml:1:1: (top level): expected a map with `pipeline` and `nodes`, got nothing "
            "(null)");
  EXPECT_EQ(ErrorOf("- a\n"),
            "p.yaml:1:1: (top level): expected a map with `pipeline` and `nodes`, got a list");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes: {a: {run: [e]}}\n---\npipeline: y\n"),
            "p.yaml:4:1: (top level): expected one YAML document, found 2");
  EXPECT_EQ(ErrorOf("pipeline: x\nowner: me\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:1: owner: unknown key \"owner\"; known keys: pipeline, region, defaults, "
            "nodes");
  EXPECT_EQ(ErrorOf("pipelines: x\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:1:1: pipelines: unknown key \"pipelines\" (did you mean \"pipeline\"?); known "
            "keys: pipeline, region, defaults, nodes");
  EXPECT_EQ(ErrorOf("nodes:\n  a: {run: [echo]}\n"), "p.yaml:1:1: pipeline: required key missing");
  EXPECT_EQ(ErrorOf("pipeline: x\n"), "p.yaml:1:1: nodes: required key missing");
  EXPECT_EQ(ErrorOf("pipeline: x\npipeline: y\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:1: pipeline: duplicate key \"pipeline\" (lines 1 and 2)");
  EXPECT_EQ(ErrorOf("pipeline: [x]\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:1:11: pipeline: expected a string, got a list");
  EXPECT_EQ(ErrorOf("pipeline: bad/name\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:1:11: pipeline: pipeline name 'bad/name' contains '/' and would escape "
            "KFM_HOME");
  EXPECT_EQ(ErrorOf("pipeline: x\nregion: {a: 1}\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:9: region: expected a string, got a map");
  EXPECT_EQ(ErrorOf("pipeline: x\ndefaults: [1]\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:11: defaults: expected a map, got a list");
  EXPECT_EQ(ErrorOf("pipeline: x\ndefaults: {run: [x]}\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:12: defaults.run: unknown key \"run\"; known keys: domain, pipeline_kind, "
            "timeout, retries, production, env");
}

TEST(PipelineFileTest, EmptyNodesAreRefused) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes: {}\n"),
            "p.yaml:2:8: nodes: no nodes; a pipeline needs at least one");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n"),
            "p.yaml:2:1: nodes: no nodes; a pipeline needs at least one");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes: [a]\n"),
            "p.yaml:2:8: nodes: expected a map of node name -> node, got a list");
}

TEST(PipelineFileTest, UnknownNodeKeyListsTheKnownOnes) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n    need: [b]\n"),
            "p.yaml:5:5: nodes.a.need: unknown key \"need\" (did you mean \"needs\"?); known "
            "keys: run, shell, needs, domain, pipeline_kind, env, timeout, retries, production");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n    run: [again]\n"),
            "p.yaml:5:5: nodes.a.run: duplicate key \"run\" (lines 4 and 5)");
}

TEST(PipelineFileTest, RunAndShellExactlyOne) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n    shell: echo hi\n"),
            "p.yaml:5:5: nodes.a.shell: the node has both `run` and `shell`; give exactly one "
            "(`run` is an argv list, `shell` a command line for /bin/sh -c)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    domain: atmo\n"),
            "p.yaml:3:3: nodes.a: needs `run` (an argv list) or `shell` (a command line); "
            "neither is given");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n"),
            "p.yaml:3:3: nodes.a: expected a map with `run` or `shell`, got nothing (null)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a: 3\n"),
            "p.yaml:3:6: nodes.a: expected a map with `run` or `shell`, got \"3\"");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    shell: [echo]\n"),
            "p.yaml:4:12: nodes.a.shell: expected a non-empty string (a command line for /bin/sh "
            "-c), got a list");
}

TEST(PipelineFileTest, RunMustBeANonEmptyListOfStrings) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: echo hi\n"),
            "p.yaml:4:10: nodes.a.run: expected a non-empty list of strings (the argv), got \"echo "
            "hi\"");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: []\n"),
            "p.yaml:4:10: nodes.a.run: expected a non-empty list of strings (the argv), got an "
            "empty list");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run:\n"),
            "p.yaml:4:5: nodes.a.run: expected a non-empty list of strings (the argv), got "
            "nothing (null)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo, {x: 1}]\n"),
            "p.yaml:4:17: nodes.a.run[1]: expected a string, got a map");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a: {run: [\"\", x]}\n"),
            "p.yaml:3:13: nodes.a.run[0]: is empty");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a: {run: [\"${KFM_HOME\"]}\n"),
            "p.yaml:3:13: nodes.a.run[0]: unterminated \"${\" in \"${KFM_HOME\" (write \"$${\" "
            "for a literal \"${\")");
}

TEST(PipelineFileTest, WrongTypesSayExpectedAndGot) {
  auto node = [](const std::string& line) {
    return ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n    " + line + "\n");
  };
  EXPECT_EQ(node("retries: 11"), "p.yaml:5:14: nodes.a.retries: must be from 0 to 10, got 11");
  EXPECT_EQ(node("retries: three"),
            "p.yaml:5:14: nodes.a.retries: expected an integer from 0 to 10, got \"three\"");
  EXPECT_EQ(node("retries: \"3\""),
            "p.yaml:5:14: nodes.a.retries: expected an integer from 0 to 10, got \"3\"");
  EXPECT_EQ(node("timeout: 2 hours"),
            "p.yaml:5:14: nodes.a.timeout: expected a duration (2h, 90m, 45s, 1h30m, 500ms) or a "
            "number of seconds, got \"2 hours\"");
  EXPECT_EQ(node("timeout: -5"), "p.yaml:5:14: nodes.a.timeout: must not be negative, got -5");
  EXPECT_EQ(node("production: yes"),
            "p.yaml:5:17: nodes.a.production: expected true or false, got \"yes\"");
  EXPECT_EQ(node("env: [A, B]"),
            "p.yaml:5:10: nodes.a.env: expected a map of variable name -> value, got a list");
  EXPECT_EQ(node("env: {1X: a}"),
            "p.yaml:5:11: nodes.a.env.1X: not a variable name (letters, digits and '_', not "
            "starting with a digit)");
  EXPECT_EQ(node("env: {A: [1]}"), "p.yaml:5:14: nodes.a.env.A: expected a string, got a list");
  EXPECT_EQ(node("domain: \"\""), "p.yaml:5:13: nodes.a.domain: must not be empty");
  EXPECT_EQ(node("pipeline_kind: {}"),
            "p.yaml:5:20: nodes.a.pipeline_kind: expected a string, got an empty map");
  EXPECT_EQ(node("needs: {b: 1}"),
            "p.yaml:5:12: nodes.a.needs: expected a node name or a list of node names, got a map");
  EXPECT_EQ(ErrorOf("pipeline: x\ndefaults: {retries: -1}\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:21: defaults.retries: must be from 0 to 10, got -1");
  EXPECT_EQ(ErrorOf("pipeline: x\ndefaults: {timeout: 1x}\nnodes:\n  a: {run: [echo]}\n"),
            "p.yaml:2:21: defaults.timeout: expected a duration (2h, 90m, 45s, 1h30m, 500ms) or a "
            "number of seconds, got \"1x\"");
}

TEST(PipelineFileTest, UnsetVariableInEnvNamesIt) {
  unsetenv("KFM_PIPELINE_TEST_UNSET");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n    env: {FOO: "
                    "\"${KFM_PIPELINE_TEST_UNSET}\"}\n"),
            "p.yaml:5:16: nodes.a.env.FOO: variable KFM_PIPELINE_TEST_UNSET is not set (write "
            "${KFM_PIPELINE_TEST_UNSET:-default} to give a default)");
}

TEST(PipelineFileTest, BadNodeNames) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  ../etc:\n    run: [echo]\n"),
            "p.yaml:3:3: nodes.../etc: node name '../etc' contains '/' and would escape KFM_HOME");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  _hidden: {run: [echo]}\n"),
            "p.yaml:3:3: nodes._hidden: node name '_hidden' must start with a letter or digit");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a b: {run: [echo]}\n"),
            "p.yaml:3:3: nodes.a b: node name 'a b' may hold only letters, digits, '.', '_' and "
            "'-'");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  " + std::string(129, 'n') + ": {run: [echo]}\n"),
            "p.yaml:3:3: nodes." + std::string(129, 'n') + ": node name '" + std::string(129, 'n') +
                "' is longer than 128 characters");
}

TEST(PipelineFileTest, DuplicateNodeNamesReportBothLines) {
  // yaml-cpp 0.7 keeps both pairs of a repeated key; node["a"] would only see the first.
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    run: [echo]\n  b:\n    run: [echo]\n  a:\n"
                    "    run: [echo, again]\n"),
            "p.yaml:7:3: nodes.a: duplicate node name \"a\" (lines 3 and 7)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes: {a: {run: [e]}, a: {run: [f]}}\n"),
            "p.yaml:2:24: nodes.a: duplicate node name \"a\" (lines 2 and 2)");
}

TEST(PipelineFileTest, MissingDependencyNamesNodeLineAndSuggestion) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  fetch:\n    run: [echo]\n  b:\n    needs: fetc\n"
                    "    run: [echo]\n"),
            "p.yaml:6:12: nodes.b.needs: node \"b\" needs \"fetc\", which is not a node of this "
            "pipeline (did you mean \"fetch\"?)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  fetch:\n    run: [echo]\n  b:\n    needs: [fetch, "
                    "publish]\n    run: [echo]\n"),
            "p.yaml:6:20: nodes.b.needs: node \"b\" needs \"publish\", which is not a node of this "
            "pipeline");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a: {run: [echo], needs: [b, b]}\n  b: {run: [echo]}\n"),
            "p.yaml:3:31: nodes.a.needs: lists \"b\" twice");
}

TEST(PipelineFileTest, CyclesAreSpelledOut) {
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  a:\n    needs: a\n    run: [echo]\n"),
            "p.yaml:3:3: nodes.a.needs: cycle: a -> a (each needs the next)");
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  z:\n    run: [echo]\n  a:\n    needs: c\n    run: "
                    "[echo]\n  b:\n    needs: a\n    run: [echo]\n  c:\n    needs: b\n    run: "
                    "[echo]\n"),
            "p.yaml:5:3: nodes.a.needs: cycle: a -> c -> b -> a (each needs the next)");
  // A node downstream of a cycle is not part of it.
  EXPECT_EQ(ErrorOf("pipeline: x\nnodes:\n  down: {needs: [a], run: [e]}\n  a: {needs: [b], run: "
                    "[e]}\n  b: {needs: [a], run: [e]}\n"),
            "p.yaml:4:3: nodes.a.needs: cycle: a -> b -> a (each needs the next)");
}

TEST(PipelineFileTest, ExampleErrorFilesAreRefused) {
  const std::map<std::string, std::string> expected = {
      {"cycle.yaml",
       ":4:3: nodes.fetch.needs: cycle: fetch -> clean -> publish -> fetch (each needs the "
       "next)"},
      {"missing-dependency.yaml",
       ":9:13: nodes.energy_rollup.needs: node \"energy_rollup\" needs \"hrrr_ingst\", which is "
       "not a node of this pipeline (did you mean \"hrrr_ingest\"?)"},
      {"duplicate-node.yaml",
       ":8:3: nodes.usgs_gauges: duplicate node name \"usgs_gauges\" "
       "(lines 4 and 8)"},
      {"unknown-key.yaml",
       ":7:5: nodes.energy_rollup.need: unknown key \"need\" (did you mean \"needs\"?); known "
       "keys: run, shell, needs, domain, pipeline_kind, env, timeout, retries, production"},
  };
  for (const auto& [name, tail] : expected) {
    const std::filesystem::path file = kErrorsDir + "/" + name;
    auto r = LoadPipeline(file);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().message(), file.string() + tail);
  }
}

TEST(PipelineFileTest, MissingFileIsInvalidArgument) {
  auto r = LoadPipeline("/nonexistent/kfm/pipeline.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "/nonexistent/kfm/pipeline.yaml: cannot read the pipeline file: No such file or "
            "directory");
}

TEST(ParseDurationTest, AcceptsUnitsInDecreasingOrder) {
  EXPECT_EQ(ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(ParseDuration("90m"), milliseconds(5'400'000));
  EXPECT_EQ(ParseDuration("45s"), milliseconds(45'000));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("1h2m3s4ms"), milliseconds(3'723'004));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, RefusesMalformed) {
  for (const char* bad : {"", "90", "h", "2", "1.5h", "-1s", "+1s", "30m1h", "1h1h", "2 h", "2H",
                          "1d", "1hm", "99999999999999999999s", "9223372036854775807h"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(ExpandVariablesTest, Forms) {
  std::map<std::string, std::string> vars = {{"KFM_HOME", "/srv/kfm"}, {"EMPTY", ""}};
  EnvLookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto expand = [&](std::string_view text) {
    auto r = ExpandVariables(text, lookup);
    return r.ok() ? r.value() : "error: " + r.status().message();
  };
  EXPECT_EQ(expand("${KFM_HOME}/datasets/hrrr"), "/srv/kfm/datasets/hrrr");
  EXPECT_EQ(expand("a${KFM_HOME}b${KFM_HOME}"), "a/srv/kfmb/srv/kfm");
  EXPECT_EQ(expand("${UNSET:-/tmp/x}/y"), "/tmp/x/y");
  EXPECT_EQ(expand("${KFM_HOME:-/tmp/x}"), "/srv/kfm");
  EXPECT_EQ(expand("${EMPTY:-d}"), "d");  // as in sh, ":-" also covers the empty value
  EXPECT_EQ(expand("[${EMPTY}]"), "[]");
  EXPECT_EQ(expand("${UNSET:-}"), "");
  EXPECT_EQ(expand("$${KFM_HOME}"), "${KFM_HOME}");
  EXPECT_EQ(expand("cost $5 and $ alone, $HOME stays$"), "cost $5 and $ alone, $HOME stays$");
  EXPECT_EQ(expand("$$x"), "$$x");
  EXPECT_EQ(expand(""), "");
}

TEST(ExpandVariablesTest, Errors) {
  EnvLookup none = [](const std::string&) { return std::nullopt; };
  auto error = [&](std::string_view text) {
    auto r = ExpandVariables(text, none);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_EQ(error("${KFM_HOME}/x"),
            "variable KFM_HOME is not set (write ${KFM_HOME:-default} to give a default)");
  EXPECT_EQ(error("a${B"), "unterminated \"${\" in \"a${B\" (write \"$${\" for a literal \"${\")");
  EXPECT_EQ(error("${}"), "\"${}\" is not ${NAME} or ${NAME:-default}");
  EXPECT_EQ(error("${1X}"), "\"${1X}\" is not ${NAME} or ${NAME:-default}");
  EXPECT_EQ(error("${A-b}"), "\"${A-b}\" is not ${NAME} or ${NAME:-default}");
}

}  // namespace
}  // namespace kfm::pipeline
