#include "waterml_reader.h"

#include <gtest/gtest.h>

#include "usgs_test_util.h"

namespace kfm::jobs::usgs {
namespace {

using testing::FixtureText;
using testing::Utc;

Result<InputBatch> Read(const std::string& text, const std::string& source = "iv.json") {
  auto doc = ParseJson(text, source);
  if (!doc.ok()) return doc.status();
  return ReadWaterMl(*doc, text, source);
}

std::string Refusal(const std::string& text) {
  auto batch = Read(text);
  EXPECT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), Status::Code::kInvalidArgument);
  return batch.status().message();
}

TEST(WaterMlReader, NormalizesTheNwisFixture) {
  auto batch = Read(FixtureText("nwis_iv_ks.json"), "nwis_iv_ks.json");
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  ASSERT_EQ(batch->observations.size(), 9u);
  EXPECT_EQ(batch->no_data, 1);  // the -999999 gage height with qualifiers P, Eqp

  const Observation& first = batch->observations[0];
  EXPECT_EQ(first.site_id, "USGS-06892350");
  EXPECT_EQ(first.parameter_code, "00060");
  EXPECT_EQ(first.time, Utc(2026, 11, 1, 6, 30));  // 01:30 CDT (-05:00)
  EXPECT_EQ(first.value_text, "2410");
  EXPECT_DOUBLE_EQ(first.value, 2410);
  EXPECT_EQ(first.unit, "ft3/s");
  EXPECT_EQ(first.approval, Approval::kApproved);
  EXPECT_TRUE(first.qualifiers.empty());

  // After the clocks go back: 01:00 CST (-06:00) is 07:00 UTC, 01:15 CST is 07:15 UTC.
  const Observation& after = batch->observations[2];
  EXPECT_EQ(after.time, Utc(2026, 11, 1, 7, 0));
  EXPECT_EQ(after.approval, Approval::kProvisional);
  const Observation& estimated = batch->observations[3];
  EXPECT_EQ(estimated.time, Utc(2026, 11, 1, 7, 15));
  EXPECT_EQ(estimated.approval, Approval::kProvisional);
  EXPECT_EQ(estimated.qualifiers, std::vector<std::string>{"e"});

  const Observation& stage = batch->observations[4];
  EXPECT_EQ(stage.parameter_code, "00065");
  EXPECT_EQ(stage.unit, "ft");
  EXPECT_EQ(stage.value_text, "5.12");
  EXPECT_EQ(stage.time, Utc(2026, 11, 1, 6, 45));
  // The no-data reading at 07:00 is gone: the next gage height is 07:15.
  EXPECT_EQ(batch->observations[5].time, Utc(2026, 11, 1, 7, 15));
  for (const Observation& obs : batch->observations) EXPECT_NE(obs.value, -999999);

  ASSERT_EQ(batch->sites.size(), 4u);  // one per series, merged later
  EXPECT_EQ(batch->sites[0].id, "USGS-06892350");
  EXPECT_EQ(batch->sites[0].name, "KANSAS R AT DESOTO, KS");
  EXPECT_DOUBLE_EQ(*batch->sites[0].latitude, 38.98333333);
  EXPECT_DOUBLE_EQ(*batch->sites[0].longitude, -94.96444444);
  EXPECT_EQ(batch->sites[2].id, "USGS-06891000");
}

constexpr const char* kOneSeries = R"({"value": {"timeSeries": [
  {"sourceInfo": {"siteCode": [{"value": "06892350", "agencyCode": "USGS"}]},
   "variable": {"variableCode": [{"value": "00060"}], "unit": {"unitCode": "ft3/s"},
                "noDataValue": -999999.0},
   "values": [{"value": [
     {"value": "2410", "qualifiers": ["A"], "dateTime": "2026-11-01T01:30:00.000-05:00"},
     {"value": "2420", "qualifiers": ["P"], "dateTime": "2026-11-01T01:45:00.000-05:00"}]}]}]}}
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(WaterMlReader, BadTimeNamesFileLineColumnAndField) {
  const std::string text =
      Replace(kOneSeries, "2026-11-01T01:45:00.000-05:00", "2026-11-01T01:45:00.000");
  const std::string message = Refusal(text);
  // Line 7 of the document; the dateTime string starts at column 57.
  EXPECT_EQ(message,
            "iv.json:7:57: field 'value.timeSeries[0].values[0].value[1].dateTime': bad time "
            "'2026-11-01T01:45:00.000': no UTC offset (Z or +HH:MM): local time is ambiguous "
            "across DST");
}

TEST(WaterMlReader, MissingFieldsPointAtTheirObject) {
  std::string message = Refusal(Replace(kOneSeries, R"("unit": {"unitCode": "ft3/s"},)", ""));
  EXPECT_NE(message.find("iv.json:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("field 'value.timeSeries[0].variable.unit': missing"), std::string::npos)
      << message;

  message = Refusal(Replace(kOneSeries, R"("value": "2420", )", ""));
  EXPECT_NE(message.find("iv.json:7:6: field 'value.timeSeries[0].values[0].value[1].value': "
                         "missing"),
            std::string::npos)
      << message;

  message = Refusal(Replace(kOneSeries, R"([{"value": "06892350", "agencyCode": "USGS"}])", "[]"));
  EXPECT_NE(message.find("field 'value.timeSeries[0].sourceInfo.siteCode': empty"),
            std::string::npos)
      << message;

  message = Refusal(R"({"value": {"queryInfo": {}}})");
  EXPECT_EQ(message, "iv.json:1:11: field 'value.timeSeries': missing");
}

TEST(WaterMlReader, WrongTypesAndValuesAreRefused) {
  std::string message = Refusal(Replace(kOneSeries, R"("2420")", R"("Ice")"));
  EXPECT_NE(message.find("value[1].value': 'Ice' is not a number"), std::string::npos) << message;
  message = Refusal(Replace(kOneSeries, R"("2420")", "true"));
  EXPECT_NE(message.find("expected a decimal string, found boolean"), std::string::npos) << message;
  message = Refusal(Replace(kOneSeries, R"({"value": "00060"})", R"({"value": "60"})"));
  EXPECT_NE(message.find("'60' is not a five-digit USGS parameter code"), std::string::npos)
      << message;
  message = Refusal(Replace(kOneSeries, R"(["P"])", R"([1])"));
  EXPECT_NE(message.find("qualifiers[0]': expected a code string, found number"), std::string::npos)
      << message;
}

TEST(WaterMlReader, MalformedJsonNamesLineAndColumn) {
  const std::string text = Replace(kOneSeries, R"("qualifiers": ["P"],)", R"("qualifiers": ["P"])");
  auto doc = ParseJson(text, "iv.json");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(doc.status().message().rfind("iv.json:7:44: malformed JSON: ", 0), 0u)
      << doc.status().message();

  auto truncated = ParseJson(std::string(kOneSeries).substr(0, 120), "iv.json");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("malformed JSON"), std::string::npos);
  auto empty = ParseJson("  \n", "iv.json");
  EXPECT_EQ(empty.status().message(), "iv.json: empty input (expected a JSON document)");
  auto overflow = ParseJson(R"({"value": 1e999})", "iv.json");
  EXPECT_NE(overflow.status().message().find("iv.json: malformed JSON: number overflow"),
            std::string::npos)
      << overflow.status().message();
}

TEST(WaterMlReader, NoDataValueIsTheSeriesOwn) {
  // A series without noDataValue keeps every reading; with one, readings equal to it go.
  auto batch = Read(Replace(kOneSeries, R"("2420")", R"("-999999")"));
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  EXPECT_EQ(batch->observations.size(), 1u);
  EXPECT_EQ(batch->no_data, 1);
  batch = Read(Replace(kOneSeries, R"(,
                "noDataValue": -999999.0)",
                       ""));
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  EXPECT_EQ(batch->observations.size(), 2u);
}

}  // namespace
}  // namespace kfm::jobs::usgs
