// `kfm-energy validate` end to end: the real binary on real files, checking what a user sees
// (one line per file or per problem) and DESIGN.md's exit codes 0 / 1 / 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "subprocess.h"

namespace kfm::testing {
namespace {

using nlohmann::json;

const std::string kBinary = KFM_BINARY;

json EnergyDocument() {
  return json::parse(R"({
    "schema": "kfm.energy.v2",
    "run_id": "20261125T042000Z-3f9a1c",
    "nodes": [{
      "node": "demo",
      "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
      "hostname": "etl-01", "domain": "telemetry", "pipeline_kind": "nightly",
      "command": ["true"],
      "start_time": "2026-11-25T04:20:00.123456Z", "end_time": "2026-11-25T04:20:03.000001Z",
      "duration_s": 2.877, "status": "ok", "exit_code": 0,
      "cpu":  {"method": "model-ccf-cascade-lake", "modelled": true, "attributed_j": 4.1, "package_j": 8.0, "util_pct": 1.5},
      "dram": {"method": "model-ccf-memory", "modelled": true, "attributed_j": 0.2, "measured_j": 0.7},
      "gpu":  {"method": "none", "modelled": false, "attributed_j": 0.0, "measured_j": 0.0, "w_avg": 0.0},
      "total_j": 4.3,
      "channels": [],
      "hours": [{"start": "2026-11-25T04:00:00Z", "cpu_j": 4.1, "dram_j": 0.2, "gpu_j": 0.0}],
      "sampler": {"interval_ms": 200, "samples": 15, "cpu_accounting": "procfs", "substituted_intervals": 0, "notes": []}
    }]
  })");
}

json Any(const json& value) {
  if (value.is_string()) return {{"stringValue", value}};
  if (value.is_number_integer()) return {{"intValue", std::to_string(value.get<long long>())}};
  return {{"doubleValue", value}};
}

// One OTLP JSON line with resource attributes and one node span.
std::string SpanLine(double cpu_j, const std::string& cpu_method = "rapl") {
  const json resource = {
      {"service.name", "kfm.etl.demo"}, {"kfm.run_id", "r-1"}, {"kfm.component", "kfm.etl.demo"}};
  const json span = {{"kfm.run_id", "r-1"},
                     {"kfm.node", "demo"},
                     {"kfm.domain", "telemetry"},
                     {"kfm.pipeline_kind", "nightly"},
                     {"kfm.hostname", "etl-01"},
                     {"kfm.records_out", 10},
                     {"energy.cpu_j", cpu_j},
                     {"energy.cpu_method", cpu_method},
                     {"energy.cpu_pkg_j", 9.0},
                     {"energy.dram_j", 1.0},
                     {"energy.gpu_j", 0.0},
                     {"energy.gpu_w_avg", 0.0},
                     {"energy.gpu_method", "none"},
                     {"energy.total_j", 5.0},
                     {"util.cpu_pct", 12.5},
                     {"timing.duration_s", 1.25},
                     {"carbon.gco2e", 0.6},
                     {"carbon.intensity_gco2_per_kwh", 431.0},
                     {"carbon.region", "SPP_KS"},
                     {"carbon.factor_resolution", "static"},
                     {"carbon.table_id", "kfm-static"},
                     {"carbon.table_version", "1"}};
  json resource_attributes = json::array();
  json span_attributes = json::array();
  for (const auto& [key, value] : resource.items())
    resource_attributes.push_back({{"key", key}, {"value", Any(value)}});
  for (const auto& [key, value] : span.items())
    span_attributes.push_back({{"key", key}, {"value", Any(value)}});
  const json request = {{"resourceSpans",
                         {{{"resource", {{"attributes", resource_attributes}}},
                           {"scopeSpans",
                            {{{"scope", {{"name", "kfm-energy"}}},
                              {"spans",
                               {{{"traceId", "4bf92f3577b34da6a3ce929d0e0e4736"},
                                 {"spanId", "00f067aa0ba902b7"},
                                 {"name", "etl.node.demo"},
                                 {"kind", 1},
                                 {"startTimeUnixNano", "1764044400000000000"},
                                 {"endTimeUnixNano", "1764044401250000000"},
                                 {"attributes", span_attributes},
                                 {"status", {{"code", 1}}}}}}}}}}}}};
  return request.dump() + "\n";
}

class ValidateCliTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    WriteFile(path, text);
    return path;
  }
  static CommandResult Validate(std::vector<std::string> args) {
    args.insert(args.begin(), {kBinary, "validate"});
    return RunCommand(args);
  }
  TempDir dir_;
};

TEST_F(ValidateCliTest, ValidFilesExitZero) {
  const std::string energy = Write("kfm-run-r-1.json", EnergyDocument().dump(2));
  const std::string spans = Write("spans-kfm-run-r-1.json", SpanLine(4.0) + SpanLine(1.0));
  const CommandResult result = Validate({energy, spans});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, energy + ": ok (energy-v2)\n" + spans + ": ok (otel-energy-span-v1)\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(ValidateCliTest, SchemaViolationsExitOneWithPaths) {
  json doc = EnergyDocument();
  doc["nodes"][0]["cpu"]["attributed_j"] = -4.1;
  const std::string energy = Write("kfm-run-r-1.json", doc.dump());
  const std::string spans =
      Write("spans-kfm-run-r-1.json", SpanLine(4.0) + SpanLine(2.0, "guessed"));
  const CommandResult result = Validate({energy, spans});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(energy + ": /nodes/0/cpu/attributed_j: must be >= 0; got -4.1\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(spans + ": line 2 span etl.node.demo: /energy.cpu_method: must match"),
            std::string::npos)
      << result.out;
}

TEST_F(ValidateCliTest, UnreadableOrUnknownFilesExitTwo) {
  const std::string garbage = Write("garbage.json", "{\"schema\": \"kfm.energy.v2\",\n  oops\n}\n");
  CommandResult result = Validate({garbage});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find(garbage + ": line 2, column"), std::string::npos) << result.err;

  result = Validate({dir_.path() + "/missing.json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("missing.json: no such file"), std::string::npos) << result.err;

  result = Validate({Write("other.json", "{\"hello\": \"world\"}")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown kind of file"), std::string::npos) << result.err;
}

TEST_F(ValidateCliTest, BadInputOutranksInvalidContent) {
  json doc = EnergyDocument();
  doc.erase("run_id");
  const std::string invalid = Write("invalid.json", doc.dump());
  const std::string good = Write("good.json", EnergyDocument().dump());
  EXPECT_EQ(Validate({good, invalid}).exit_code, 1);
  const CommandResult result = Validate({invalid, Write("garbage.json", "not json"), good});
  EXPECT_EQ(result.exit_code, 2);
  // Every file is still reported.
  EXPECT_NE(result.out.find(invalid + ": /run_id: required property is missing"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(good + ": ok (energy-v2)"), std::string::npos) << result.out;
}

TEST_F(ValidateCliTest, TornSpanLineIsReportedByLine) {
  const std::string line = SpanLine(1.0);
  const std::string spans = Write("spans.json", line + line.substr(0, line.size() / 2) + "\n");
  const CommandResult result = Validate({spans});
  // Malformed input (exit 2, DESIGN.md), not a schema violation; line 1 is still checked.
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.out.find(spans + ": line 2: not valid JSON"), std::string::npos) << result.out;
}

TEST_F(ValidateCliTest, ForeignLineIsMalformedInputAndSchemaErrorsStillReported) {
  // A JSON line that is not an OTLP request, after a line that breaks the span schema.
  const std::string schema_error = SpanLine(2.0, "guessed");
  const std::string spans = Write("spans.json", schema_error + "{\"hello\": 1}\n");
  CommandResult result = Validate({spans});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.out.find(spans + ": line 2: not an OTLP"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(spans + ": line 1 span etl.node.demo: /energy.cpu_method"),
            std::string::npos)
      << result.out;
  // Schema violations alone stay exit 1.
  const std::string only_schema = Write("schema.json", schema_error);
  result = Validate({only_schema});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
}

TEST_F(ValidateCliTest, ForcedSchemaAndPrintSchema) {
  json flat = json::object();
  flat["service.name"] = "x";
  const std::string file = Write("flat.json", flat.dump());
  CommandResult result = Validate({"--schema", "otel-energy-span-v1", file});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(file + ": /energy.cpu_j: required property is missing"),
            std::string::npos)
      << result.out;

  result = Validate({"--schema", "no-such-schema", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("energy-v2"), std::string::npos) << result.err;  // lists the known ones

  result = Validate({"--print-schema", "energy-v2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json::parse(result.out).at("$id"),
            "https://kfm.example/schemas/telemetry/energy-v2.json");

  result = Validate({"--print-schema", "energy-v9"});
  EXPECT_EQ(result.exit_code, 2);

  result = Validate({"--list-schemas"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("energy-v2.json\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("otel-energy-span-v1.json\n"), std::string::npos) << result.out;
}

TEST_F(ValidateCliTest, NoFilesIsBadUsage) {
  const CommandResult result = Validate({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("FILE"), std::string::npos) << result.err;
}

TEST_F(ValidateCliTest, HelpExplainsKindsAndExitCodes) {
  const CommandResult result = Validate({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* text : {"kfm.energy.v2", "otel-energy-span-v1", "resourceSpans", "Exit codes"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text << "\n" << result.out;
  }
}

}  // namespace
}  // namespace kfm::testing
