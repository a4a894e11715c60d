// Measured and modelled figures are never compared or averaged together, end to end: nights
// metered by RAPL (a fake powercap tree, the real code reading it) and a night on the model
// (no RAPL) are kept apart by `rollup` and `gate`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_rapl.h"
#include "span_files.h"
#include "store/history.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kBurn = KFM_BURN;

class RollupBasisTest : public ::testing::Test {
 protected:
  void RunNode(const std::string& run_id, const std::vector<std::string>& extra_env) {
    auto r = RunCommand({kBinary, "run", "-q", "--node", "ingest", "--", "/bin/sh", "-c",
                         "echo records_out 1000 >> \"$KFM_NODE_REPORT\"; " + kBurn + " 0.05"},
                        IsolatedRunEnv(home_.path(), run_id, extra_env));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto history = store::History::Open(store::DefaultHistoryPath(home_.path()));
    ASSERT_TRUE(history.ok()) << history.status().message();
    auto counts =
        history->IngestFile(home_.path() + "/telemetry/otel/spans-kfm-run-" + run_id + ".json");
    ASSERT_TRUE(counts.ok()) << counts.status().message();
  }
  CommandResult Kfm(std::vector<std::string> args) const {
    args.insert(args.begin(), kBinary);
    return RunCommand(args, IsolatedRunEnv(home_.path(), "unused"));
  }
  TempDir home_;
};

TEST_F(RollupBasisTest, ModelledNightIsNeitherComparedNorAveragedWithMeasuredOnes) {
  {
    const std::string sysfs = home_.path() + "/sysfs";
    FakeRaplCounter package(sysfs, 20.0, 1'000'000'000'000ULL);
    FakeRaplCounter dram(sysfs, 3.0, 1'000'000'000'000ULL, "intel-rapl:0:0", "dram");
    for (int i = 0; i < 5; ++i) {
      RunNode("measured-" + std::to_string(i), {"KFM_SYSFS_ROOT=" + sysfs});
    }
  }
  RunNode("modelled", {});  // IsolatedRunEnv: no RAPL, the model
  const auto attrs = SpanAttributes(
      ReadJsonLines(home_.path() + "/telemetry/otel/spans-kfm-run-measured-0.json").at(0));
  ASSERT_EQ(attrs.at("energy.cpu_method")["stringValue"], "rapl");
  ASSERT_FALSE(attrs.contains("energy.modelled") &&
               attrs.at("energy.modelled")["boolValue"] == true)
      << "a RAPL-metered node with a DRAM zone should not be modelled";

  const std::string out = home_.path() + "/rollup.json";
  ASSERT_EQ(Kfm({"rollup", "--window", "1d", "--out", out}).exit_code, 0);
  const auto doc = nlohmann::json::parse(ReadFile(out));
  EXPECT_EQ(doc["counts"]["runs"]["measured"], 5);
  EXPECT_EQ(doc["counts"]["runs"]["modelled"], 1);
  ASSERT_EQ(doc["nodes"].size(), 2u);  // one row per basis, never one mixed row
  for (const auto& row : doc["nodes"]) {
    EXPECT_EQ(row["executions"], row["basis"] == "measured" ? 5 : 1);
    EXPECT_EQ(row["baselines"]["j_per_record"]["7d"]["count"], row["executions"]);
  }

  // The modelled candidate has no modelled history: nothing to compare with, exit 0.
  auto gate = Kfm({"gate", "--metric", "j_per_record"});
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  EXPECT_NE(gate.out.find("run modelled (ingest, modelled"), std::string::npos) << gate.out;
  EXPECT_NE(gate.out.find("5 measured run(s) in the baseline window left out"), std::string::npos)
      << gate.out;
  EXPECT_NE(gate.out.find("too little history"), std::string::npos) << gate.out;
  // The newest measured night is compared with the four before it, all measured.
  auto measured =
      Kfm({"gate", "--metric", "j_per_record", "--run", "measured-4", "--min-runs", "4"});
  EXPECT_NE(measured.out.find("baseline: 4 successful measured run(s)"), std::string::npos)
      << measured.out;
}

}  // namespace
}  // namespace kfm::testing
