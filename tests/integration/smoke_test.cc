// The specification's "Local Smoke Test", automated: with a unique KFM_RUN_ID, run one job
// (the reference job kfm-hrrr-ingest on a generated HRRR sample, measured by `kfm-energy run`)
// exporting to a local OTLP receiver; find the span etl.node.hrrr_ingest there with kfm.run_id,
// energy.cpu_j, carbon.gco2e and timing.duration_s; and validate the run's files against the
// three schemas (otel-energy-span-v1, energy-v2, carbon-v2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otlp_receiver.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
using nlohmann::json;

// Step 1 of the spec: export KFM_RUN_ID="$(date +%Y%m%d%H%M%S)" (plus the pid, so that two
// runs of this test in the same second differ).
std::string UniqueRunId() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
  return std::string(stamp) + "-" + std::to_string(::getpid());
}

// A numeric OTLP AnyValue (doubleValue, or intValue as a decimal string or number).
bool IsNumber(const json& any) {
  if (any.contains("doubleValue")) return any["doubleValue"].is_number();
  if (any.contains("intValue")) {
    const json& v = any["intValue"];
    return v.is_number_integer() || (v.is_string() && !v.get<std::string>().empty());
  }
  return false;
}

TEST(SmokeTest, OneJobSpanReachesTheCollectorAndItsFilesValidate) {
  TempDir dir;
  OtlpReceiver receiver;
  ASSERT_TRUE(receiver.ok()) << receiver.error() << " (run scripts/bootstrap)";

  const std::string input = dir.path() + "/hrrr";
  std::filesystem::create_directories(input);
  auto grib = RunCommand({KFM_MAKE_HRRR_GRIB, input + "/hrrr.t00z.wrfsfcf06.grib2", "--date",
                          "20261125", "--hour", "00", "--fcst", "06"});
  ASSERT_EQ(grib.exit_code, 0) << grib.err;

  const std::string run_id = UniqueRunId();
  const std::string home = dir.path() + "/home";
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(receiver.http_port());
  auto run = RunCommand({kBinary, "run", "--node", "hrrr_ingest", "--domain", "atmo", "--",
                         KFM_HRRR_INGEST, "--input", input, "--out", home + "/datasets/hrrr"},
                        IsolatedRunEnv(home, run_id,
                                       {"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint,
                                        "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
                                        "OTEL_EXPORTER_OTLP_TIMEOUT=5000"}),
                        120);
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // Step 3: the span at the collector, with the attributes the spec names.
  json received;
  json received_request;
  for (const auto& accepted : receiver.Accepted()) {
    if (accepted["signal"] != "traces") continue;
    for (const auto& rs : accepted["request"]["resourceSpans"]) {
      for (const auto& ss : rs["scopeSpans"]) {
        for (const auto& span : ss["spans"]) {
          if (span["name"] == "etl.node.hrrr_ingest") {
            received = span;
            received_request = accepted["request"];
          }
        }
      }
    }
  }
  ASSERT_TRUE(received.is_object()) << "no span etl.node.hrrr_ingest reached the receiver";
  std::map<std::string, json> attributes;
  for (const auto& kv : received["attributes"]) attributes[kv["key"]] = kv["value"];
  for (const auto& rs : received_request["resourceSpans"]) {
    for (const auto& kv : rs["resource"]["attributes"]) attributes.emplace(kv["key"], kv["value"]);
  }
  ASSERT_TRUE(attributes.count("kfm.run_id"));
  EXPECT_EQ(attributes["kfm.run_id"].value("stringValue", ""), run_id);
  for (const char* key : {"energy.cpu_j", "carbon.gco2e", "timing.duration_s"}) {
    ASSERT_TRUE(attributes.count(key)) << key;
    EXPECT_TRUE(IsNumber(attributes[key])) << key << ": " << attributes[key].dump();
  }
  // The job really ran: it reported its records (KFM_NODE_REPORT) and they are on the span.
  ASSERT_TRUE(attributes.count("kfm.records_out"));
  EXPECT_NE(attributes["kfm.records_out"].value("intValue", json("0")), json("0"));

  // Step 4: the run's files against the three schemas, and what the collector got as well.
  const std::string spans = home + "/telemetry/otel/spans-kfm-run-" + run_id + ".json";
  const std::string energy = home + "/telemetry/energy/kfm-run-" + run_id + ".json";
  const std::string carbon = home + "/telemetry/carbon/kfm-run-" + run_id + ".json";
  const std::string wire = dir.path() + "/received.json";
  WriteFile(wire, received_request.dump() + "\n");
  auto valid = RunCommand({kBinary, "validate", spans, energy, carbon, wire});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  EXPECT_EQ(valid.out, spans + ": ok (otel-energy-span-v1)\n" + energy + ": ok (energy-v2)\n" +
                           carbon + ": ok (carbon-v2)\n" + wire + ": ok (otel-energy-span-v1)\n");
  auto contract = RunCommand({kBinary, "check-contract", spans, wire});
  EXPECT_EQ(contract.exit_code, 0) << contract.out << contract.err;
}

}  // namespace
}  // namespace kfm::testing
