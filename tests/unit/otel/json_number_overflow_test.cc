// Regression (found by fuzz/carbon_table_fuzz.cc and checked for every JSON reader): a number
// past double's range ("1e99999") makes nlohmann throw out_of_range, not parse_error. Readers
// that caught only parse_error let it escape: `kfm-energy validate` ended with "internal
// error" (exit 70) and a carbon table's metadata aborted the process. Now each is a refusal
// naming the file and, for validate, the line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "carbon/table.h"
#include "otel/schema_check.h"
#include "subprocess.h"

namespace {

TEST(JsonNumberOverflowTest, CarbonTableMetadataWithAHugeNumberIsRefusedNamingTheFile) {
  auto table =
      kfm::carbon::ParseTable("region,start,resolution,gco2e_per_kwh\n",
                              "{\"id\": \"x\", \"version\": 1e99999}", "t.csv", "t.meta.json");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("t.meta.json"), std::string::npos)
      << table.status().message();
}

TEST(JsonNumberOverflowTest, ValidateReportsAHugeNumberAtItsLineNotAsAnInternalError) {
  kfm::testing::TempDir dir;
  const std::string file = dir.path() + "/spans-kfm-run-x.json";
  kfm::testing::WriteFile(file, "{\"resourceSpans\": []}\n{\"resourceSpans\": 1e99999}\n");
  // One bad line of a JSON-lines file is reported at its line, as a torn line is
  // (ValidateCliTest.TornSpanLineIsReportedByLine): exit 2, the other lines still checked.
  auto check = kfm::otel::CheckFile(file);
  ASSERT_TRUE(check.ok()) << check.status().message();
  ASSERT_EQ(check->errors.size(), 1u);
  EXPECT_EQ(check->errors[0].where, "line 2");
  EXPECT_EQ(check->malformed_lines, 1u);
  EXPECT_NE(check->errors[0].message.find("1e99999"), std::string::npos)
      << check->errors[0].message;

  // And the command says so, not "internal error" (exit 70).
  auto validate = kfm::testing::RunCommand({KFM_BINARY, "validate", file});
  EXPECT_EQ(validate.exit_code, 2) << validate.err;
  EXPECT_NE((validate.out + validate.err).find("line 2"), std::string::npos) << validate.err;

  // A whole document with such a number is bad input: exit 2 naming file and line.
  const std::string doc = dir.path() + "/kfm-run-x.json";
  kfm::testing::WriteFile(doc, "{\"schema\": \"kfm.energy.v2\",\n \"run_id\": 1e99999}\n");
  auto bad = kfm::testing::RunCommand({KFM_BINARY, "validate", doc});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("kfm-run-x.json: line 2, column 12"), std::string::npos) << bad.err;
}

}  // namespace
