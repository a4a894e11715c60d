// `kfm-energy run` end to end: the real binary, real child processes, real files; only the
// RAPL counters are fake (a sysfs tree whose counter a thread advances at a known rate).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fake_rapl.h"
#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kBurn = KFM_BURN;  // uses exactly N seconds of CPU

double Double(const nlohmann::json& any_value) { return any_value.at("doubleValue").get<double>(); }

class RunCommandTest : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const std::string& run_id) const {
    return IsolatedRunEnv(home_.path(), run_id);
  }
  // Env(run_id) with KEY=value replacing any entry for KEY.
  std::vector<std::string> EnvWith(const std::string& run_id, const std::string& entry) const {
    return IsolatedRunEnv(home_.path(), run_id, {entry});
  }
  std::string SpansFile(const std::string& run_id) const {
    return home_.path() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  }
  std::string EnergyFile(const std::string& run_id) const {
    return home_.path() + "/telemetry/energy/kfm-run-" + run_id + ".json";
  }
  void ExpectValid(const std::string& file) const {
    auto result = RunCommand({kBinary, "validate", file});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  }
  TempDir home_;
};

TEST_F(RunCommandTest, MeasuresRealWorkAndWritesValidFiles) {
  auto result = RunCommand(
      {kBinary, "run", "--node", "demo", "--domain", "hydro", "--", "/bin/sh", "-c",
       "echo records_out 40 >> \"$KFM_NODE_REPORT\"; echo records_out 2 >> \"$KFM_NODE_REPORT\";"
       " " +
           kBurn + " 0.4; exit 0"},
      Env("r1"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("node demo"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("J/record"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("MODELLED"), std::string::npos)
      << "no RAPL here: the figure must say it is modelled";

  auto lines = ReadJsonLines(SpansFile("r1"));
  ASSERT_EQ(lines.size(), 1u);
  const auto& span = lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["name"], "etl.node.demo");
  EXPECT_EQ(span["traceId"].get<std::string>().size(), 32u);
  auto attrs = SpanAttributes(lines[0]);
  EXPECT_EQ(attrs["kfm.records_out"]["intValue"], "42");
  EXPECT_EQ(attrs["kfm.domain"]["stringValue"], "hydro");
  EXPECT_EQ(attrs["energy.cpu_method"]["stringValue"].get<std::string>().rfind("model-ccf-", 0),
            0u);
  EXPECT_EQ(attrs["energy.gpu_method"]["stringValue"], "none");
  // 0.4 s of CPU, however long it took on a loaded machine.
  EXPECT_NEAR(Double(attrs["util.cpu_pct"]) / 100 * Double(attrs["timing.duration_s"]), 0.4, 0.05);
  EXPECT_GT(Double(attrs["energy.cpu_j"]), 0.0);
  EXPECT_LE(Double(attrs["energy.cpu_j"]), Double(attrs["energy.cpu_pkg_j"]));
  EXPECT_NEAR(Double(attrs["energy.total_j"]),
              Double(attrs["energy.cpu_j"]) + Double(attrs["energy.dram_j"]) +
                  Double(attrs["energy.gpu_j"]),
              1e-9);
  EXPECT_NEAR(Double(attrs["efficiency.j_per_record"]), Double(attrs["energy.total_j"]) / 42, 1e-9);
  EXPECT_GT(Double(attrs["carbon.gco2e"]), 0.0);
  EXPECT_NEAR(
      Double(attrs["carbon.gco2e"]),
      Double(attrs["energy.total_j"]) / 3.6e6 * Double(attrs["carbon.intensity_gco2_per_kwh"]),
      1e-9);

  auto energy = nlohmann::json::parse(ReadFile(EnergyFile("r1")));
  ASSERT_EQ(energy["nodes"].size(), 1u);
  EXPECT_EQ(energy["nodes"][0]["records_out"], 42);
  EXPECT_TRUE(energy["nodes"][0]["cpu"]["modelled"].get<bool>());
  ExpectValid(SpansFile("r1"));
  ExpectValid(EnergyFile("r1"));
}

TEST_F(RunCommandTest, ReturnsTheCommandsExitStatus) {
  auto result = RunCommand(
      {kBinary, "run", "-q", "--node", "fails", "--", "/bin/sh", "-c", "exit 7"}, Env("r2"));
  EXPECT_EQ(result.exit_code, 7);
  auto attrs = SpanAttributes(ReadJsonLines(SpansFile("r2"))[0]);
  EXPECT_EQ(attrs["process.exit.code"]["intValue"], "7");
  auto span = ReadJsonLines(SpansFile("r2"))[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["status"]["code"], 2);
}

TEST_F(RunCommandTest, CommandKilledBySignalGives128PlusSignalAndErrorSpan) {
  auto result = RunCommand(
      {kBinary, "run", "-q", "--node", "killed", "--", "/bin/sh", "-c", "kill -9 $$"}, Env("r3"));
  EXPECT_EQ(result.exit_code, 128 + 9);
  auto line = ReadJsonLines(SpansFile("r3"))[0];
  EXPECT_EQ(SpanAttributes(line)["process.exit.signal"]["intValue"], "9");
  EXPECT_EQ(line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["status"]["code"], 2);
  ExpectValid(EnergyFile("r3"));
}

TEST_F(RunCommandTest, MissingCommandGives127AndStillRecordsTheSpan) {
  auto result =
      RunCommand({kBinary, "run", "-q", "--node", "ghost", "--", "no-such-command-kfm"}, Env("r4"));
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_NE(result.err.find("no-such-command-kfm"), std::string::npos);
  EXPECT_EQ(ReadJsonLines(SpansFile("r4")).size(), 1u);
}

TEST_F(RunCommandTest, ForwardsSigtermToTheCommand) {
  // kfm-energy receives SIGTERM from "an orchestrator" (kill from a shell); the child traps it.
  auto result = RunCommand(
      {"/bin/sh", "-c",
       kBinary + " run -q --node trap -- /bin/sh -c 'trap \"exit 42\" TERM; sleep 5 & wait' & "
                 "sleep 0.5; kill -TERM $!; wait $!"},
      Env("r5"));
  EXPECT_EQ(result.exit_code, 42) << result.err;
}

TEST_F(RunCommandTest, RefusesNamesThatEscapeKfmHome) {
  for (const std::string node : {"../evil", "a/b", ".."}) {
    auto result = RunCommand({kBinary, "run", "--node", node, "--", "/bin/true"}, Env("r6"));
    EXPECT_EQ(result.exit_code, 2) << node;
    EXPECT_NE(result.err.find("--node"), std::string::npos) << result.err;
  }
  auto env = Env("../../etc");
  auto result = RunCommand({kBinary, "run", "--node", "ok", "--", "/bin/true"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("KFM_RUN_ID"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_.path() + "/telemetry"));
}

TEST_F(RunCommandTest, BadEnvironmentIsExit2NamingTheVariable) {
  auto env = EnvWith("r7", "KFM_SAMPLE_INTERVAL_MS=fast");
  auto result = RunCommand({kBinary, "run", "--node", "x", "--", "/bin/true"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("KFM_SAMPLE_INTERVAL_MS"), std::string::npos);
  env = EnvWith("r7", "KFM_REGION=ATLANTIS");
  result = RunCommand({kBinary, "run", "--node", "x", "--", "/bin/true"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("ATLANTIS"), std::string::npos);
  EXPECT_NE(result.err.find("SPP_KS"), std::string::npos) << "names the known regions";
}

TEST_F(RunCommandTest, JoinsTraceparentAndHandsTheNodeContextToTheChild) {
  const std::string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto env = EnvWith("r8", "TRACEPARENT=" + parent);
  env.push_back("TRACESTATE=vendor=opaque,kfm=1");
  auto result = RunCommand({kBinary, "run", "-q", "--node", "traced", "--", "/bin/sh", "-c",
                            "echo \"$TRACEPARENT\"; echo \"$TRACESTATE\" >&2"},
                           env);
  EXPECT_NE(result.err.find("vendor=opaque,kfm=1"), std::string::npos) << "tracestate passed on";
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto span =
      ReadJsonLines(SpansFile("r8"))[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(span["parentSpanId"], "b7ad6b7169203331");
  EXPECT_EQ(span["traceState"], "vendor=opaque,kfm=1");
  EXPECT_EQ(result.out,
            "00-0af7651916cd43dd8448eb211c80319c-" + span["spanId"].get<std::string>() + "-01\n");
}

TEST_F(RunCommandTest, CountsCpuOfOrphanedGrandchildren) {
  // The child starts a grandchild that burns CPU for 0.6 s and exits at once; the grandchild
  // is orphaned and must still count. Both accounting methods.
  for (const std::string mode : {"procfs", "auto"}) {
    const std::string run_id = "r9-" + mode;
    auto result = RunCommand(
        {kBinary, "run", "-q", "--cpu-accounting", mode, "--node", "tree", "--", "/bin/sh", "-c",
         "/bin/sh -c '(" + kBurn + " 0.6; touch " + home_.path() + "/done-" + mode +
             ") &'; until [ -e " + home_.path() + "/done-" + mode + " ]; do sleep 0.05; done"},
        Env(run_id));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto energy = nlohmann::json::parse(ReadFile(EnergyFile(run_id)));
    const double util = energy["nodes"][0]["cpu"]["util_pct"];
    const double duration = energy["nodes"][0]["duration_s"];
    EXPECT_NEAR(util * duration / 100, 0.6, 0.06) << mode << ": the orphan's CPU time is missing";
  }
}

TEST_F(RunCommandTest, EightConcurrentRunsOfOneRunLoseNothing) {
  std::string script;
  for (int i = 0; i < 8; ++i) {
    script += kBinary + " run -q --node n" + std::to_string(i) +
              " -- /bin/sh -c 'echo records_out " + std::to_string(i + 1) +
              " >> \"$KFM_NODE_REPORT\"' & ";
  }
  script += "wait";
  auto result = RunCommand({"/bin/sh", "-c", script}, Env("r10"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto lines = ReadJsonLines(SpansFile("r10"));
  EXPECT_EQ(lines.size(), 8u);
  auto energy = nlohmann::json::parse(ReadFile(EnergyFile("r10")));
  ASSERT_EQ(energy["nodes"].size(), 8u);
  int64_t records = 0;
  for (const auto& node : energy["nodes"]) records += node["records_out"].get<int64_t>();
  EXPECT_EQ(records, 36);
  ExpectValid(SpansFile("r10"));
  ExpectValid(EnergyFile("r10"));
}

TEST_F(RunCommandTest, FakeRaplCounterThatWrapsGivesRateTimesDurationWithin2Percent) {
  const std::string sysfs = home_.path() + "/sysfs";
  // 25 W wrapping every 1.2 s: a 2.5 s run wraps twice.
  FakeRaplCounter counter(sysfs, 25.0, 30'000'000);
  auto env = EnvWith("r11", "KFM_SYSFS_ROOT=" + sysfs);
  auto result = RunCommand({kBinary, "run", "--node", "rapl", "--", "/bin/sleep", "2.5"}, env);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto attrs = SpanAttributes(ReadJsonLines(SpansFile("r11"))[0]);
  EXPECT_EQ(attrs["energy.cpu_method"]["stringValue"], "rapl");
  const double duration = Double(attrs["timing.duration_s"]);
  const double expected = 25.0 * duration;
  EXPECT_NEAR(Double(attrs["energy.cpu_pkg_j"]), expected, 0.02 * expected);
  // sleep uses almost no CPU: nearly all of the package energy stays unattributed.
  EXPECT_LT(Double(attrs["energy.cpu_j"]), Double(attrs["energy.cpu_pkg_j"]));
  EXPECT_NE(result.err.find("measured"), std::string::npos);
}

}  // namespace
}  // namespace kfm::testing
