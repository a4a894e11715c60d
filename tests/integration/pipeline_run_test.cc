// `kfm-energy pipeline run` with real processes: parallelism and ordering, failure and skip
// propagation, timeouts, retries, signals to the runner, one trace with the right links, and
// conservation of the shared sampler's energy across concurrent nodes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kBurn = KFM_BURN;

using Span = FileSpan;

std::map<std::string, Span> ReadSpans(const std::string& file) { return ReadSpansByName(file); }

double Num(const nlohmann::json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].get<double>();
  return static_cast<double>(std::stoll(any["intValue"].get<std::string>()));
}

class PipelineRunTest : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const std::string& run_id) const {
    return IsolatedRunEnv(home_.path() + "/home", run_id);
  }
  std::string Write(const std::string& yaml) const {
    const std::string path = home_.path() + "/pipeline.yaml";
    WriteFile(path, yaml);
    return path;
  }
  std::string SpansFile(const std::string& run_id) const {
    return home_.path() + "/home/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  }
  CommandResult Run(const std::string& yaml, const std::string& run_id,
                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {kBinary, "pipeline", "run", Write(yaml)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv, Env(run_id), 120);
  }
  TempDir home_;
};

TEST_F(PipelineRunTest, ParallelNodesOverlapAndDependentsWaitForAllTheyNeed) {
  const auto result =
      Run("pipeline: par\n"
          "nodes:\n"
          "  a: {run: [" +
              kBurn +
              ", '0.4']}\n"
              "  b: {run: [" +
              kBurn +
              ", '0.4']}\n"
              "  c: {needs: [a, b], run: [/bin/true]}\n",
          "par-1", {"--jobs", "2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto spans = ReadSpans(SpansFile("par-1"));
  ASSERT_EQ(spans.size(), 4u);
  const Span& a = spans["etl.node.a"];
  const Span& b = spans["etl.node.b"];
  const Span& c = spans["etl.node.c"];
  EXPECT_LT(a.start, b.end);  // they overlapped
  EXPECT_LT(b.start, a.end);
  EXPECT_GE(c.start, std::max(a.end, b.end));
  // One trace: node spans are children of the run span, which is the root here.
  const Span& run = spans["etl.run"];
  EXPECT_EQ(run.parent, "");
  for (const Span* node : {&a, &b, &c}) {
    EXPECT_EQ(node->trace_id, run.trace_id);
    EXPECT_EQ(node->parent, run.span_id);
    EXPECT_GE(node->start, run.start);
    EXPECT_LE(node->end, run.end);
  }
  EXPECT_EQ(run.attrs.at("cicd.pipeline.result")["stringValue"], "success");
  EXPECT_EQ(run.attrs.at("kfm.nodes.ok")["intValue"], "3");
  // No counters here (KFM_SYSFS_ROOT without powercap): the run's figures say they are modelled.
  EXPECT_EQ(run.attrs.at("energy.modelled")["boolValue"], true);
  EXPECT_NE(result.err.find("J in all, MODELLED"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(" J (modelled), "), std::string::npos) << result.err;
  // Conservation: what the nodes got plus what nobody used is what was measured.
  double nodes_j = 0;
  for (const Span* node : {&a, &b, &c}) nodes_j += Num(node->attrs.at("energy.total_j"));
  EXPECT_NEAR(nodes_j, Num(run.attrs.at("energy.total_j")), 1e-9);
  EXPECT_NEAR(nodes_j + Num(run.attrs.at("energy.unattributed_j")),
              Num(run.attrs.at("energy.measured_j")),
              1e-6 * Num(run.attrs.at("energy.measured_j")));
  // Each burned 0.4 s of CPU: the node's share shows it, whatever the overlap.
  for (const Span* node : {&a, &b}) {
    const double cpu_s =
        Num(node->attrs.at("util.cpu_pct")) / 100 * Num(node->attrs.at("timing.duration_s"));
    EXPECT_NEAR(cpu_s, 0.4, 0.08) << node->name;
  }
  EXPECT_NE(result.err.find("node  status"), std::string::npos) << result.err;
  auto valid = RunCommand({kBinary, "validate", SpansFile("par-1"),
                           home_.path() + "/home/telemetry/energy/kfm-run-par-1.json",
                           home_.path() + "/home/telemetry/carbon/kfm-run-par-1.json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(PipelineRunTest, TheFilesRegionAppliesUnlessKfmRegionIsSet) {
  const std::string yaml = "pipeline: region\nregion: DE\nnodes:\n  a: {run: [/bin/true]}\n";
  ASSERT_EQ(Run(yaml, "region-1").exit_code, 0);
  EXPECT_EQ(ReadSpans(SpansFile("region-1"))["etl.node.a"].attrs.at("carbon.region")["stringValue"],
            "DE");
  const auto env = IsolatedRunEnv(home_.path() + "/home", "region-2", {"KFM_REGION=FR"});
  auto result = RunCommand({kBinary, "pipeline", "run", "-q", Write(yaml)}, env);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ReadSpans(SpansFile("region-2"))["etl.node.a"].attrs.at("carbon.region")["stringValue"],
            "FR");
}

TEST_F(PipelineRunTest, OneJobAtATimeSerialises) {
  const auto result =
      Run("pipeline: serial\n"
          "nodes:\n"
          "  a: {run: [" +
              kBurn +
              ", '0.2']}\n"
              "  b: {run: [" +
              kBurn + ", '0.2']}\n",
          "serial-1", {"-j", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto spans = ReadSpans(SpansFile("serial-1"));
  const Span& a = spans["etl.node.a"];
  const Span& b = spans["etl.node.b"];
  EXPECT_TRUE(a.end <= b.start || b.end <= a.start);
}

TEST_F(PipelineRunTest, AFailedNodeIsAnErrorSpanAndSkipsEverythingDownstream) {
  const auto result =
      Run("pipeline: fail\n"
          "nodes:\n"
          "  extract: {shell: 'exit 4'}\n"
          "  other: {run: [/bin/true]}\n"
          "  transform: {needs: extract, run: [/bin/true]}\n"
          "  load: {needs: [transform, other], run: [/bin/true]}\n",
          "fail-1");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto spans = ReadSpans(SpansFile("fail-1"));
  EXPECT_EQ(spans.count("etl.node.transform"), 0u);  // never ran
  EXPECT_EQ(spans.count("etl.node.load"), 0u);
  ASSERT_EQ(spans.count("etl.node.extract"), 1u);
  EXPECT_EQ(spans["etl.node.extract"].status, 2);
  EXPECT_EQ(spans["etl.node.extract"].attrs.at("process.exit.code")["intValue"], "4");
  EXPECT_EQ(spans["etl.node.other"].status, 0);
  const Span& run = spans["etl.run"];
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.attrs.at("cicd.pipeline.result")["stringValue"], "failure");
  EXPECT_EQ(run.attrs.at("kfm.nodes.skipped")["intValue"], "2");
  std::set<std::string> skipped;
  for (const auto& e : run.events) {
    if (e["name"] != "kfm.node.skipped") continue;
    for (const auto& a : e["attributes"]) {
      if (a["key"] == "kfm.node") skipped.insert(a["value"]["stringValue"].get<std::string>());
    }
  }
  EXPECT_EQ(skipped, (std::set<std::string>{"transform", "load"}));
  EXPECT_NE(result.err.find("skipped transform"), std::string::npos) << result.err;
}

TEST_F(PipelineRunTest, TimeoutSendsSigtermThenSigkillAfterTheGrace) {
  const auto start = std::chrono::steady_clock::now();
  const auto result =
      Run("pipeline: slow\n"
          "nodes:\n"
          "  polite: {run: [/bin/sleep, '30'], timeout: 500ms}\n"
          "  stubborn: {shell: \"trap '' TERM; sleep 30\", timeout: 500ms}\n",
          "slow-1", {"--grace", "1"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_LT(seconds, 10);
  auto spans = ReadSpans(SpansFile("slow-1"));
  EXPECT_EQ(spans["etl.node.polite"].attrs.at("process.exit.signal")["intValue"],
            std::to_string(SIGTERM));
  EXPECT_NE(spans["etl.node.polite"].message.find("timed out"), std::string::npos);
  EXPECT_EQ(spans["etl.node.stubborn"].attrs.at("process.exit.signal")["intValue"],
            std::to_string(SIGKILL));
}

TEST_F(PipelineRunTest, RetriesAreEventsOnTheSpanAndALaterSuccessCounts) {
  const std::string counter = home_.path() + "/tries";
  const auto result =
      Run("pipeline: flaky\n"
          "nodes:\n"
          "  flaky:\n"
          "    retries: 2\n"
          "    shell: \"echo x >> " +
              counter + "; [ $(wc -l < " + counter +
              ") -ge 2 ] && echo 'records_out 5' >> $KFM_NODE_REPORT\"\n",
          "flaky-1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto spans = ReadSpans(SpansFile("flaky-1"));
  const Span& flaky = spans["etl.node.flaky"];
  EXPECT_EQ(flaky.status, 0);
  EXPECT_EQ(flaky.attrs.at("kfm.attempts")["intValue"], "2");
  EXPECT_EQ(flaky.attrs.at("kfm.records_out")["intValue"], "5");
  ASSERT_EQ(flaky.events.size(), 2u);
  EXPECT_EQ(flaky.events[0]["name"], "kfm.node.attempt");
}

TEST_F(PipelineRunTest, SigtermToTheRunnerStopsNodesAndWritesEverything) {
  const std::string yaml =
      "pipeline: stop\n"
      "nodes:\n"
      "  long: {run: [/bin/sleep, '60']}\n"
      "  after: {needs: long, run: [/bin/true]}\n";
  const std::string file = Write(yaml);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> env = Env("stop-1");
    for (const auto& e : env) {
      const auto eq = e.find('=');
      if (eq + 1 == e.size()) {
        ::unsetenv(e.substr(0, eq).c_str());
      } else {
        ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
      }
    }
    ::execl(kBinary.c_str(), kBinary.c_str(), "pipeline", "run", "-q", file.c_str(), nullptr);
    ::_exit(127);
  }
  // Wait until the long node is running (its report file exists as an env of a sleep).
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  auto spans = ReadSpans(SpansFile("stop-1"));
  ASSERT_EQ(spans.count("etl.node.long"), 1u);
  EXPECT_EQ(spans["etl.node.long"].attrs.at("process.exit.signal")["intValue"],
            std::to_string(SIGTERM));
  EXPECT_EQ(spans["etl.run"].attrs.at("cicd.pipeline.result")["stringValue"], "cancellation");
  EXPECT_EQ(spans.count("etl.node.after"), 0u);
  auto valid = RunCommand({kBinary, "validate", SpansFile("stop-1"),
                           home_.path() + "/home/telemetry/energy/kfm-run-stop-1.json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(PipelineRunTest, VariablesExpandAndBadFilesRunNothing) {
  const auto result =
      Run("pipeline: vars\n"
          "nodes:\n"
          "  write: {run: [/usr/bin/touch, '${KFM_HOME}/made-${KFM_RUN_ID}']}\n",
          "vars-1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(home_.path() + "/home/made-vars-1"));

  const auto unset =
      Run("pipeline: vars\n"
          "nodes:\n"
          "  write: {run: [/usr/bin/touch, '${KFM_NOT_SET_ANYWHERE}']}\n",
          "vars-2");
  EXPECT_EQ(unset.exit_code, 2);
  EXPECT_NE(unset.err.find("KFM_NOT_SET_ANYWHERE"), std::string::npos) << unset.err;
  EXPECT_NE(unset.err.find("nodes.write.run[1]"), std::string::npos) << unset.err;

  const std::string marker = home_.path() + "/ran";
  const auto cycle =
      Run("pipeline: cyc\n"
          "nodes:\n"
          "  a: {needs: b, run: [/usr/bin/touch, '" +
              marker +
              "']}\n"
              "  b: {needs: a, run: [/bin/true]}\n",
          "cyc-1");
  EXPECT_EQ(cycle.exit_code, 2);
  EXPECT_NE(cycle.err.find("->"), std::string::npos) << cycle.err;
  EXPECT_FALSE(std::filesystem::exists(marker));
  auto check = RunCommand({kBinary, "pipeline", "check", home_.path() + "/pipeline.yaml"});
  EXPECT_EQ(check.exit_code, 2);
}

}  // namespace
}  // namespace kfm::testing
