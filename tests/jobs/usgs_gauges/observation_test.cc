#include "observation.h"

#include <gtest/gtest.h>

#include "redact.h"
#include "usgs_test_util.h"

namespace kfm::jobs::usgs {
namespace {

using testing::Utc;

Observation Reading(const std::string& site, int minute, const std::string& value,
                    Approval approval) {
  Observation obs;
  obs.site_id = site;
  obs.parameter_code = "00060";
  obs.time = Utc(2026, 11, 1, 7, minute);
  obs.value_text = value;
  EXPECT_TRUE(ParseDecimal(value, &obs.value));
  obs.unit = "ft3/s";
  obs.approval = approval;
  return obs;
}

TEST(ObservationSet, MergesOverlappingInputsApprovedFirst) {
  ObservationSet set;
  InputBatch nwis;
  nwis.observations = {Reading("USGS-1", 15, "10", Approval::kApproved),
                       Reading("USGS-1", 0, "9", Approval::kProvisional)};
  Site named;
  named.id = "USGS-1";
  named.name = "KANSAS R";
  nwis.sites = {named};
  nwis.no_data = 2;
  set.Add(nwis);
  InputBatch ogc;
  ogc.observations = {Reading("USGS-1", 15, "11", Approval::kProvisional),  // loses to approved
                      Reading("USGS-1", 0, "9.5", Approval::kApproved)};    // wins
  Site located;
  located.id = "USGS-1";
  located.latitude = 39;
  located.longitude = -95;
  ogc.sites = {located};
  ogc.no_data = 1;
  set.Add(ogc);

  const auto rows = set.Observations();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].time, Utc(2026, 11, 1, 7, 0));  // sorted by time
  EXPECT_EQ(rows[0].value_text, "9.5");
  EXPECT_EQ(rows[1].value_text, "10");
  EXPECT_EQ(set.duplicates(), 2);
  EXPECT_EQ(set.no_data(), 3);
  const auto sites = set.Sites();
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0].name, "KANSAS R");  // from one input
  EXPECT_EQ(*sites[0].latitude, 39);     // coordinates from the other
}

TEST(ObservationSet, SitesWithoutObservationsAreLeftOut) {
  ObservationSet set;
  InputBatch batch;
  Site quiet;
  quiet.id = "USGS-2";
  batch.sites = {quiet};
  batch.no_data = 1;
  set.Add(batch);
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(set.Sites().empty());
}

TEST(Observation, SmallPieces) {
  EXPECT_EQ(SiteId("USGS", "06892350"), "USGS-06892350");
  EXPECT_EQ(SiteId("", "06892350"), "USGS-06892350");
  EXPECT_EQ(NormalizeUnit("ft^3/s"), "ft3/s");
  EXPECT_EQ(NormalizeUnit("ft"), "ft");
  EXPECT_EQ(ApprovalName(Approval::kProvisional), "provisional");
  double value = 0;
  EXPECT_TRUE(ParseDecimal("-0.05", &value));
  EXPECT_DOUBLE_EQ(value, -0.05);
  EXPECT_TRUE(ParseDecimal("1.2E3", &value));
  EXPECT_DOUBLE_EQ(value, 1200);
  EXPECT_FALSE(ParseDecimal("", &value));
  EXPECT_FALSE(ParseDecimal("NaN", &value));
  EXPECT_FALSE(ParseDecimal("inf", &value));
  EXPECT_FALSE(ParseDecimal("12 ", &value));
  EXPECT_FALSE(ParseDecimal("Ice", &value));
  EXPECT_TRUE(IsParameterCode("00065"));
  EXPECT_FALSE(IsParameterCode("0065"));
}

TEST(Redact, MasksSecretsAndCredentialQueryParameters) {
  EXPECT_EQ(Redact("401 from server for key s3cr3t-value", {"s3cr3t-value"}),
            "401 from server for key ***");
  EXPECT_EQ(Redact("https://h/items?f=json&api_key=abc123&limit=5: HTTP 403", {}),
            "https://h/items?f=json&api_key=***&limit=5: HTTP 403");
  EXPECT_EQ(Redact("'https://h/items?API-KEY=abc' failed", {}),
            "'https://h/items?API-KEY=***' failed");
  EXPECT_EQ(Redact("https://h/items?f=json&limit=5", {}), "https://h/items?f=json&limit=5");
  EXPECT_EQ(Redact("https://h/x?api_key=k3y: HTTP 404", {"k3y"}),
            "https://h/x?api_key=***: HTTP 404");
}

}  // namespace
}  // namespace kfm::jobs::usgs
