// Tests for otel/schema_check.h: the embedded schemas, energy documents, flattened node spans,
// OTLP JSON flattening and file-kind detection.
#define VALIJSON_USE_EXCEPTIONS 1  // as in kfm_otel: valijson's inline functions must agree

#include "otel/schema_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <vector>

namespace kfm::otel {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

json ValidEnergyDocument() {
  return json::parse(R"({
    "schema": "kfm.energy.v2",
    "run_id": "20261125T042000Z-3f9a1c",
    "nodes": [{
      "node": "demo",
      "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
      "hostname": "etl-01", "domain": "telemetry", "pipeline_kind": "nightly",
      "command": ["gzip", "-9", "big.csv"],
      "start_time": "2026-11-25T04:20:00.123456Z", "end_time": "2026-11-25T04:20:03.000001Z",
      "duration_s": 2.877,
      "status": "ok",
      "exit_code": 0,
      "cpu":  {"method": "rapl", "modelled": false, "attributed_j": 40.1, "package_j": 88.0, "util_pct": 97.5},
      "dram": {"method": "rapl", "modelled": false, "attributed_j": 3.2, "measured_j": 7.0},
      "gpu":  {"method": "none", "modelled": false, "attributed_j": 0.0, "measured_j": 0.0, "w_avg": 0.0},
      "total_j": 43.3,
      "records_out": 1000, "bytes_out": 52311,
      "j_per_record": 0.0433,
      "channels": [{"id": "rapl:package-0", "domain": "package", "method": "rapl", "modelled": false,
                    "measured_j": 88.0, "attributed_j": 40.1}],
      "hours": [{"start": "2026-11-25T04:00:00Z", "cpu_j": 40.1, "dram_j": 3.2, "gpu_j": 0.0}],
      "sampler": {"interval_ms": 200, "samples": 15, "cpu_accounting": "cgroup",
                  "substituted_intervals": 0, "notes": []}
    }]
  })");
}

// A flattened node span with every required attribute.
json ValidFlatSpan() {
  return {{"service.name", "kfm.etl.demo"},
          {"kfm.run_id", "20261125T042000Z-3f9a1c"},
          {"kfm.component", "kfm.etl.demo"},
          {"kfm.node", "demo"},
          {"kfm.domain", "telemetry"},
          {"kfm.pipeline_kind", "nightly"},
          {"kfm.hostname", "etl-01"},
          {"energy.cpu_j", 40.1},
          {"energy.cpu_method", "rapl"},
          {"energy.cpu_pkg_j", 88.0},
          {"energy.dram_j", 3.2},
          {"energy.gpu_j", 0.0},
          {"energy.gpu_w_avg", 0.0},
          {"energy.gpu_method", "none"},
          {"energy.total_j", 43.3},
          {"util.cpu_pct", 97.5},
          {"timing.duration_s", 2.877},
          {"carbon.gco2e", 4.9},
          {"carbon.intensity_gco2_per_kwh", 410.0},
          {"carbon.region", "SPP_KS"},
          {"carbon.factor_resolution", "hour"},
          {"carbon.table_id", "eia930-spp"},
          {"carbon.table_version", "2026.1"}};
}

// OTLP JSON KeyValue for a plain JSON value (integers go out as intValue strings).
json KeyValue(const std::string& key, const json& value) {
  json any;
  if (value.is_string()) {
    any = {{"stringValue", value}};
  } else if (value.is_boolean()) {
    any = {{"boolValue", value}};
  } else if (value.is_number_integer()) {
    any = {{"intValue", std::to_string(value.get<std::int64_t>())}};
  } else {
    any = {{"doubleValue", value}};
  }
  return {{"key", key}, {"value", any}};
}

json OtlpSpan(const std::string& name, const json& flat_attributes) {
  json attributes = json::array();
  for (const auto& [key, value] : flat_attributes.items())
    attributes.push_back(KeyValue(key, value));
  return {{"traceId", "4bf92f3577b34da6a3ce929d0e0e4736"},
          {"spanId", "00f067aa0ba902b7"},
          {"parentSpanId", ""},
          {"name", name},
          {"kind", 1},
          {"startTimeUnixNano", "1764044400000000000"},
          {"endTimeUnixNano", "1764044402877000000"},
          {"attributes", attributes},
          {"status", {{"code", 1}}}};
}

// An ExportTraceServiceRequest: service.name/kfm.run_id/kfm.component on the resource, the rest
// on the node span, plus a run span that is not checked against the span schema.
json OtlpRequest(json flat = ValidFlatSpan()) {
  json resource = {{"service.name", flat["service.name"]},
                   {"kfm.run_id", flat["kfm.run_id"]},
                   {"kfm.component", flat["kfm.component"]}};
  flat.erase("service.name");
  json resource_attributes = json::array();
  for (const auto& [key, value] : resource.items())
    resource_attributes.push_back(KeyValue(key, value));
  json run_span = OtlpSpan("etl.run", json::object());
  run_span["spanId"] = "00f067aa0ba902b8";
  return {{"resourceSpans",
           {{{"resource", {{"attributes", resource_attributes}}},
             {"scopeSpans",
              {{{"scope", {{"name", "kfm-energy"}}},
                {"spans", {OtlpSpan("etl.node.demo", flat), run_span}}}}}}}}};
}

std::vector<std::string> Wheres(const std::vector<SchemaError>& errors) {
  std::vector<std::string> wheres;
  for (const auto& e : errors) wheres.push_back(e.where);
  return wheres;
}

std::vector<SchemaError> Validate(std::string_view schema, const json& doc) {
  auto result = ValidateJson(schema, doc);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result.value() : std::vector<SchemaError>{};
}

auto ErrorAt(const std::string& where, const std::string& message_part) {
  return AllOf(Field(&SchemaError::where, where),
               Field(&SchemaError::message, HasSubstr(message_part)));
}

// A file under a per-test temporary directory, removed with it.
class SchemaCheckFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kfm_schema_check_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path Write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::filesystem::path dir_;
};

// ---- the schemas themselves --------------------------------------------------------------------

TEST(SchemaEmbedTest, EveryEmbeddedSchemaIsADraft07SchemaValijsonLoads) {
  std::vector<std::string> names;
  for (const auto& file : EmbeddedSchemas()) {
    SCOPED_TRACE(std::string(file.name));
    names.emplace_back(file.name);
    const json schema = json::parse(file.text);
    EXPECT_EQ(schema.at("$schema"), "http://json-schema.org/draft-07/schema#");
    EXPECT_EQ(schema.at("$id"), "https://kfm.example/schemas/telemetry/" + std::string(file.name));
    EXPECT_TRUE(schema.at("title").is_string());
    EXPECT_TRUE(schema.at("description").is_string());
    valijson::Schema parsed;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    EXPECT_NO_THROW(parser.populateSchema(adapter, parsed));
  }
  EXPECT_THAT(names, Contains("energy-v2.json"));
  EXPECT_THAT(names, Contains("otel-energy-span-v1.json"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(SchemaEmbedTest, EmbeddedTextIsTheSourceFile) {
  // A stale copy would mean the build does not regenerate embedded_schemas.cc on edits.
  const auto dir = std::filesystem::path(KFM_FIXTURES_DIR) / ".." / ".." / "schemas" / "telemetry";
  for (const auto& file : EmbeddedSchemas()) {
    std::ifstream in(dir / std::string(file.name), std::ios::binary);
    ASSERT_TRUE(in) << file.name;
    const std::string source((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    EXPECT_EQ(source, file.text) << file.name;
  }
}

TEST(SchemaEmbedTest, LooksUpWithOrWithoutExtension) {
  EXPECT_TRUE(EmbeddedSchema("energy-v2.json").has_value());
  EXPECT_TRUE(EmbeddedSchema("energy-v2").has_value());
  EXPECT_TRUE(EmbeddedSchema("schemas/telemetry/otel-energy-span-v1.json").has_value());
  EXPECT_FALSE(EmbeddedSchema("energy-v9").has_value());
  auto unknown = ValidateJson("energy-v9", json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("energy-v2"));
}

// ---- energy-v2 ---------------------------------------------------------------------------------

TEST(SchemaEnergyTest, ValidDocumentPasses) {
  EXPECT_THAT(Validate("energy-v2", ValidEnergyDocument()), IsEmpty());
}

TEST(SchemaEnergyTest, OptionalFieldsMayBeAbsent) {
  json doc = ValidEnergyDocument();
  json& node = doc["nodes"][0];
  for (const char* key : {"exit_code", "records_out", "bytes_out", "j_per_record"}) node.erase(key);
  node["signal"] = 9;
  node["status"] = "error";
  EXPECT_THAT(Validate("energy-v2", doc), IsEmpty());
}

TEST(SchemaEnergyTest, ModelledMethodPasses) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["cpu"]["method"] = "model-ccf-cascade-lake";
  doc["nodes"][0]["cpu"]["modelled"] = true;
  doc["nodes"][0]["gpu"]["method"] = "nvml-power";
  EXPECT_THAT(Validate("energy-v2", doc), IsEmpty());
}

TEST(SchemaEnergyTest, NegativeJoulesFail) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["cpu"]["attributed_j"] = -1.5;
  doc["nodes"][0]["hours"][0]["gpu_j"] = -0.1;
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/cpu/attributed_j", "must be >= 0; got -1.5")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/hours/0/gpu_j", ">= 0")));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(SchemaEnergyTest, BadMethodFails) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["gpu"]["method"] = "magic";
  doc["nodes"][0]["channels"][0]["method"] = "model-";  // a model needs a name
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/gpu/method", "got \"magic\"")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/channels/0/method", "must match")));
}

TEST(SchemaEnergyTest, ModelMethodMustSayModelled) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["dram"]["method"] = "model-ccf-memory";
  EXPECT_THAT(Validate("energy-v2", doc),
              ElementsAre(ErrorAt("/nodes/0/dram/modelled", "must be true")));
}

TEST(SchemaEnergyTest, MissingRequiredFieldFailsAtItsPath) {
  json doc = ValidEnergyDocument();
  doc.erase("run_id");
  doc["nodes"][0]["dram"].erase("measured_j");
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/run_id", "required property is missing")));
  EXPECT_THAT(errors,
              Contains(ErrorAt("/nodes/0/dram/measured_j", "required property is missing")));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(SchemaEnergyTest, WrongIdHexFails) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["trace_id"] = "4BF92F3577B34DA6A3CE929D0E0E4736";  // upper case
  doc["nodes"][0]["span_id"] = "00f067aa0ba902b";                    // 15 digits
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/trace_id", "must match")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/span_id", "got \"00f067aa0ba902b\"")));
  doc = ValidEnergyDocument();
  doc["nodes"][0]["span_id"] = "0000000000000000";  // the W3C invalid id
  EXPECT_THAT(Validate("energy-v2", doc), ElementsAre(ErrorAt("/nodes/0/span_id", "must match")));
}

TEST(SchemaEnergyTest, StatusEnumAndUnknownFieldsFail) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["status"] = "fine";
  doc["nodes"][0]["cpu"]["watts"] = 3;
  doc["schema"] = "kfm.energy.v1";
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/status", "must be one of [\"ok\",\"error\"]")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/cpu/watts", "not allowed")));
  EXPECT_THAT(errors, Contains(ErrorAt("/schema", "must be \"kfm.energy.v2\"")));
}

TEST(SchemaEnergyTest, TimesMustBeUtcRfc3339) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["start_time"] = "2026-11-25 04:20:00";
  doc["nodes"][0]["end_time"] = "2026-11-25T04:20:03+01:00";
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(Wheres(errors), Contains("/nodes/0/start_time"));
  EXPECT_THAT(Wheres(errors), Contains("/nodes/0/end_time"));
}

TEST(SchemaEnergyTest, EmptyNodesFails) {
  json doc = ValidEnergyDocument();
  doc["nodes"] = json::array();
  EXPECT_THAT(Validate("energy-v2", doc),
              ElementsAre(ErrorAt("/nodes", "must have at least 1 item")));
}

// valijson 1.0's "format" casts any value to a string and throws on objects, so the schemas
// check times with a pattern instead.
TEST(SchemaEnergyTest, RegressionValijsonFormatThrowsOnObjects) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["end_time"] = {{"a", nullptr}};
  doc["nodes"][0]["hours"][0]["start"] = json::array();
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/end_time", "must be of type string, not object")));
  EXPECT_THAT(errors,
              Contains(ErrorAt("/nodes/0/hours/0/start", "must be of type string, not array")));
  doc = ValidEnergyDocument();
  doc["nodes"][0]["start_time"] = "2026-13-25T04:20:00Z";
  EXPECT_THAT(Validate("energy-v2", doc),
              ElementsAre(ErrorAt("/nodes/0/start_time", "must match")));
}

// valijson 1.0 stops an allOf at its first failing branch, so rules that must all be reported
// are kept out of allOf (dependencies and if/then are evaluated in full).
TEST(SchemaEnergyTest, RegressionValijsonAllOfStopsAtFirstFailure) {
  json doc = ValidEnergyDocument();
  json& node = doc["nodes"][0];
  node["signal"] = 9;  // with exit_code still present and status still "ok"
  node.erase("j_per_record");
  auto errors = Validate("energy-v2", doc);
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/exit_code", "not allowed")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/status", "must be \"error\"")));
  EXPECT_THAT(errors, Contains(ErrorAt("/nodes/0/j_per_record", "required property is missing")));
}

TEST(SchemaEnergyTest, NonZeroExitMeansError) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["exit_code"] = 3;
  EXPECT_THAT(Validate("energy-v2", doc),
              ElementsAre(ErrorAt("/nodes/0/status", "must be \"error\"; got \"ok\"")));
  doc["nodes"][0]["status"] = "error";
  EXPECT_THAT(Validate("energy-v2", doc), IsEmpty());
}

TEST(SchemaEnergyTest, JoulesPerRecordNeedsRecords) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["records_out"] = 0;
  EXPECT_THAT(Validate("energy-v2", doc),
              ElementsAre(ErrorAt("/nodes/0/records_out", "must be >= 1")));
}

// ---- otel-energy-span-v1 -----------------------------------------------------------------------

TEST(SchemaSpanTest, ValidFlatSpanPasses) {
  json span = ValidFlatSpan();
  span["kfm.records_out"] = 1000;
  span["kfm.bytes_out"] = 52311;
  span["efficiency.j_per_record"] = 0.0433;
  span["sci.gco2e_per_record"] = 0.0049;
  span["host.arch"] = "amd64";
  span["process.command_args"] = json::array({"gzip", "-9"});
  EXPECT_THAT(Validate("otel-energy-span-v1", span), IsEmpty());
}

TEST(SchemaSpanTest, NullAttributeFails) {
  json span = ValidFlatSpan();
  span["host.name"] = nullptr;
  span["energy.gpu_j"] = nullptr;
  span["process.command_args"] = json::array({"gzip", nullptr});
  auto errors = Validate("otel-energy-span-v1", span);
  EXPECT_THAT(errors, Contains(ErrorAt("/host.name", "must not be null")));
  EXPECT_THAT(errors, Contains(ErrorAt("/energy.gpu_j", "must be of type number, not null")));
  EXPECT_THAT(errors, Contains(ErrorAt("/process.command_args/1", "must not be null")));
}

TEST(SchemaSpanTest, EachBrokenAttributeFailsAtItsKey) {
  json span = ValidFlatSpan();
  span.erase("carbon.table_version");
  span["energy.total_j"] = -2;
  span["energy.cpu_method"] = "guess";
  span["carbon.factor_resolution"] = "minute";
  span["kfm.records_out"] = 1.5;
  auto errors = Validate("otel-energy-span-v1", span);
  EXPECT_THAT(errors, Contains(ErrorAt("/carbon.table_version", "required property is missing")));
  EXPECT_THAT(errors, Contains(ErrorAt("/energy.total_j", ">= 0")));
  EXPECT_THAT(errors, Contains(ErrorAt("/energy.cpu_method", "got \"guess\"")));
  EXPECT_THAT(errors, Contains(ErrorAt("/carbon.factor_resolution",
                                       "[\"hour\",\"day\",\"year\",\"static\"]")));
  EXPECT_THAT(errors, Contains(ErrorAt("/kfm.records_out", "must be of type integer")));
  EXPECT_EQ(errors.size(), 5u);
}

// ---- OTLP JSON flattening ----------------------------------------------------------------------

TEST(SchemaOtlpTest, FlattensNodeSpansWithResourceAttributes) {
  json flat = ValidFlatSpan();
  flat["kfm.records_out"] = 1000;
  FlattenedRequest request = FlattenOtlpRequest(OtlpRequest(flat), "line 1");
  EXPECT_THAT(request.errors, IsEmpty());
  ASSERT_EQ(request.node_spans.size(), 1u);  // etl.run is not a node span
  const FlattenedSpan& span = request.node_spans[0];
  EXPECT_EQ(span.name, "etl.node.demo");
  EXPECT_EQ(span.attributes.at("service.name"), "kfm.etl.demo");           // from the resource
  EXPECT_TRUE(span.attributes.at("kfm.records_out").is_number_integer());  // intValue "1000"
  EXPECT_EQ(span.attributes.at("kfm.records_out"), 1000);
  EXPECT_EQ(span.attributes, flat);
  EXPECT_THAT(Validate("otel-energy-span-v1", span.attributes), IsEmpty());
}

TEST(SchemaOtlpTest, MapsEveryAnyValueKind) {
  json request = OtlpRequest();
  json& attributes = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
  attributes.push_back(
      json::parse(R"({"key": "t.int", "value": {"intValue": "-9007199254740993"}})"));
  attributes.push_back(json::parse(R"({"key": "t.bool", "value": {"boolValue": true}})"));
  attributes.push_back(json::parse(R"({"key": "t.double", "value": {"doubleValue": 2.5}})"));
  attributes.push_back(json::parse(
      R"({"key": "t.array", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "7"}]}}})"));
  attributes.push_back(json::parse(
      R"({"key": "t.kv", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"boolValue": false}}]}}})"));
  attributes.push_back(json::parse(R"({"key": "t.bytes", "value": {"bytesValue": "AAE="}})"));
  attributes.push_back(json::parse(R"({"key": "t.empty", "value": {}})"));
  FlattenedRequest flat = FlattenOtlpRequest(request, "line 1");
  EXPECT_THAT(flat.errors, IsEmpty());
  ASSERT_EQ(flat.node_spans.size(), 1u);
  const json& a = flat.node_spans[0].attributes;
  EXPECT_EQ(a.at("t.int").get<std::int64_t>(), -9007199254740993);  // exact beyond 2^53
  EXPECT_EQ(a.at("t.bool"), true);
  EXPECT_EQ(a.at("t.double"), 2.5);
  EXPECT_EQ(a.at("t.array"), json::parse(R"(["a", 7])"));
  EXPECT_EQ(a.at("t.kv"), json::parse(R"({"k": false})"));
  EXPECT_EQ(a.at("t.bytes"), "AAE=");
  EXPECT_TRUE(a.at("t.empty").is_null());
  // ... and the empty AnyValue is exactly what the span schema forbids.
  EXPECT_THAT(Validate("otel-energy-span-v1", a),
              ElementsAre(ErrorAt("/t.empty", "must not be null")));
}

TEST(SchemaOtlpTest, ReportsStructuralErrors) {
  json request = OtlpRequest();
  json& span = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  span["traceId"] = "4BF92F3577B34DA6A3CE929D0E0E4736";
  span.erase("spanId");
  span["startTimeUnixNano"] = 1764044400000000000;
  span["kind"] = "SPAN_KIND_INTERNAL";
  span["attributes"].push_back(
      json::parse(R"({"key": "kfm.records_out", "value": {"intValue": 1000}})"));
  span["attributes"].push_back(json::parse(R"({"key": "x.bad", "value": {"intValue": "12a"}})"));
  span["attributes"].push_back(
      json::parse(R"({"key": "kfm.run_id", "value": {"stringValue": "other-run"}})"));
  FlattenedRequest flat = FlattenOtlpRequest(request, "line 4");
  const std::string label = "line 4 span etl.node.demo";
  EXPECT_THAT(flat.errors, Contains(ErrorAt(label, "traceId must be 32 lower-case hex digits")));
  EXPECT_THAT(flat.errors, Contains(ErrorAt(label, "spanId is missing")));
  EXPECT_THAT(flat.errors, Contains(ErrorAt(label, "startTimeUnixNano must be a decimal string")));
  EXPECT_THAT(flat.errors, Contains(ErrorAt(label, "kind must be an integer")));
  EXPECT_THAT(flat.errors,
              Contains(ErrorAt(label + ": /kfm.records_out", "intValue must be a decimal string")));
  EXPECT_THAT(flat.errors, Contains(ErrorAt(label + ": /x.bad", "got \"12a\"")));
  EXPECT_THAT(flat.errors,
              Contains(ErrorAt(label + ": /kfm.run_id", "differs from the resource attribute")));
}

TEST(SchemaOtlpTest, SpanNameMustMatchNode) {
  json flat = ValidFlatSpan();
  flat["kfm.node"] = "other";
  FlattenedRequest request = FlattenOtlpRequest(OtlpRequest(flat), "line 1");
  EXPECT_THAT(request.errors,
              ElementsAre(ErrorAt("line 1 span etl.node.demo: /kfm.node", "\"demo\"")));
}

TEST(SchemaOtlpTest, NotARequest) {
  EXPECT_THAT(FlattenOtlpRequest(json::array(), "line 2").errors,
              ElementsAre(ErrorAt("line 2", "object")));
  EXPECT_THAT(FlattenOtlpRequest(json{{"resourceSpans", 3}}, "line 2").errors,
              ElementsAre(ErrorAt("line 2", "\"resourceSpans\" must be an array")));
}

// ---- files -------------------------------------------------------------------------------------

TEST_F(SchemaCheckFileTest, EnergyFilePasses) {
  auto check = CheckFile(Write("kfm-run-1.json", ValidEnergyDocument().dump(2)));
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_EQ(check->schema, "energy-v2");
  EXPECT_EQ(check->documents, 1u);
  EXPECT_THAT(check->errors, IsEmpty());
}

TEST_F(SchemaCheckFileTest, BrokenEnergyFileListsPaths) {
  json doc = ValidEnergyDocument();
  doc["nodes"][0]["total_j"] = -1;
  auto errors = ValidateFile(Write("kfm-run-1.json", doc.dump()));
  ASSERT_TRUE(errors.ok()) << errors.status().message();
  EXPECT_THAT(errors.value(), ElementsAre(ErrorAt("/nodes/0/total_j", ">= 0")));
}

TEST_F(SchemaCheckFileTest, OtlpJsonLinesAreFlattenedPerLine) {
  json bad = ValidFlatSpan();
  bad["energy.cpu_j"] = -3.0;
  bad["kfm.records_out"] = 5;  // goes out as intValue "5": must come back as an integer
  bad["efficiency.j_per_record"] = 8.66;
  const std::string content =
      OtlpRequest().dump() + "\n" + OtlpRequest(bad).dump() + "\n\n" + "{\"resourceSpans\": [\n";
  auto check = CheckFile(Write("spans-kfm-run-1.json", content));
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_EQ(check->schema, "otel-energy-span-v1");
  EXPECT_EQ(check->documents, 2u);
  EXPECT_THAT(check->errors,
              ElementsAre(ErrorAt("line 2 span etl.node.demo: /energy.cpu_j", "got -3"),
                          ErrorAt("line 4", "not valid JSON at column")));
}

TEST_F(SchemaCheckFileTest, GoodOtlpFilePasses) {
  auto errors =
      ValidateFile(Write("spans.json", OtlpRequest().dump() + "\n" + OtlpRequest().dump() + "\n"));
  ASSERT_TRUE(errors.ok()) << errors.status().message();
  EXPECT_THAT(errors.value(), IsEmpty());
}

TEST_F(SchemaCheckFileTest, GarbageIsInvalidArgumentWithLine) {
  const auto path = Write("garbage.json", "\n\nthis is not json\n");
  auto result = ValidateFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(result.status().message(), StartsWith(path.string() + ": line 3, column "));
  EXPECT_THAT(result.status().message(), HasSubstr("not valid JSON"));
}

TEST_F(SchemaCheckFileTest, TruncatedDocumentNamesLineAndColumn) {
  const auto path =
      Write("kfm-run-1.json", "{\n  \"schema\": \"kfm.energy.v2\",\n  \"run_id\": \n");
  auto result = CheckFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(path.string() + ": line 4"));
}

TEST_F(SchemaCheckFileTest, UnknownKindIsInvalidArgument) {
  for (const char* content :
       {"{\"a\": 1}", "[1, 2]", "{\"schema\": \"kfm.unknown.v7\"}", "  \n\t"}) {
    SCOPED_TRACE(content);
    const auto path = Write("other.json", content);
    auto result = CheckFile(path);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(result.status().message(), StartsWith(path.string() + ": "));
  }
}

TEST_F(SchemaCheckFileTest, MissingFileIsNotFound) {
  auto result = CheckFile(dir_ / "absent.json");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("absent.json"));
}

TEST_F(SchemaCheckFileTest, ForcedSchemaChecksAFlatSpanObject) {
  json span = ValidFlatSpan();
  auto check = CheckFile(Write("span.json", span.dump()), "otel-energy-span-v1");
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_THAT(check->errors, IsEmpty());
  span.erase("kfm.node");
  // Forced schemas also take JSON lines, one document per line.
  check = CheckFile(Write("spans.jsonl", ValidFlatSpan().dump() + "\n" + span.dump() + "\n"),
                    "otel-energy-span-v1.json");
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_THAT(check->errors,
              ElementsAre(ErrorAt("line 2: /kfm.node", "required property is missing")));
  auto unknown = CheckFile(Write("x.json", "{}"), "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace kfm::otel
