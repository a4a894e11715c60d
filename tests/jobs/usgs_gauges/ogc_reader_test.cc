#include "ogc_reader.h"

#include <gtest/gtest.h>

#include "usgs_test_util.h"

namespace kfm::jobs::usgs {
namespace {

using testing::FixtureText;
using testing::Utc;

Result<OgcPage> Read(const std::string& text, const std::string& source = "page.json") {
  auto doc = ParseJson(text, source);
  if (!doc.ok()) return doc.status();
  return ReadOgcPage(*doc, text, source);
}

TEST(OgcReader, NormalizesTheContinuousFixture) {
  auto page = Read(FixtureText("ogc_continuous_page1.json"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->batch.observations.size(), 3u);
  EXPECT_EQ(page->batch.no_data, 1);  // value null (qualifier ICE)
  ASSERT_TRUE(page->next_href.has_value());
  EXPECT_EQ(*page->next_href, "ogc_continuous_page2.json?f=json&limit=4&offset=4");

  const Observation& first = page->batch.observations[0];
  EXPECT_EQ(first.site_id, "USGS-06887500");
  EXPECT_EQ(first.parameter_code, "00060");
  EXPECT_EQ(first.time, Utc(2026, 11, 1, 6, 45));
  EXPECT_EQ(first.value_text, "3120");
  EXPECT_EQ(first.unit, "ft3/s");  // "ft^3/s" in the collection
  EXPECT_EQ(first.approval, Approval::kApproved);
  EXPECT_EQ(page->batch.observations[1].approval, Approval::kProvisional);
  EXPECT_EQ(page->batch.observations[2].unit, "ft");

  ASSERT_FALSE(page->batch.sites.empty());
  EXPECT_DOUBLE_EQ(*page->batch.sites[0].longitude, -96.30555556);
  EXPECT_DOUBLE_EQ(*page->batch.sites[0].latitude, 39.19805556);
}

TEST(OgcReader, LastPageHasNoNextAndNullGeometry) {
  auto page = Read(FixtureText("ogc_continuous_page2.json"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_FALSE(page->next_href.has_value());  // prev and self links only
  ASSERT_EQ(page->batch.observations.size(), 2u);
  EXPECT_EQ(page->batch.observations[0].qualifiers, std::vector<std::string>{"EQUIP"});
  EXPECT_FALSE(page->batch.sites[1].latitude.has_value());
}

constexpr const char* kPage = R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "a", "geometry": null,
   "properties": {"monitoring_location_id": "USGS-06892350", "parameter_code": "00065",
                  "time": "2026-11-01T07:15:00+00:00", "value": "5.15",
                  "unit_of_measure": "ft", "approval_status": "Provisional",
                  "qualifier": "e"}}],
 "links": [{"rel": "next", "href": "?cursor=2"}]}
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(OgcReader, QualifierMayBeACodeOrAList) {
  auto page = Read(kPage);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->batch.observations[0].qualifiers, std::vector<std::string>{"e"});
  page = Read(Replace(kPage, R"("qualifier": "e")", R"("qualifier": ["ICE", "EQUIP"])"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->batch.observations[0].qualifiers, (std::vector<std::string>{"ICE", "EQUIP"}));
  page = Read(Replace(kPage, R"("value": "5.15")", R"("value": 5.15)"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->batch.observations[0].value_text, "5.15");
  page = Read(Replace(kPage, R"("Provisional")", R"("Approved")"));
  EXPECT_EQ(page->batch.observations[0].approval, Approval::kApproved);
  page = Read(Replace(kPage, R"("approval_status": "Provisional",)", ""));
  EXPECT_EQ(page->batch.observations[0].approval, Approval::kUnknown);
}

TEST(OgcReader, BadFieldsNameLineColumnAndField) {
  auto page = Read(Replace(kPage, "2026-11-01T07:15:00+00:00", "2026-11-31T07:15:00+00:00"));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().message(),
            "page.json:4:27: field 'features[0].properties.time': bad time "
            "'2026-11-31T07:15:00+00:00': no such date");

  page = Read(Replace(kPage, R"("monitoring_location_id": "USGS-06892350", )", ""));
  EXPECT_NE(page.status().message().find(
                "page.json:3:18: field 'features[0].properties.monitoring_location_id': missing"),
            std::string::npos)
      << page.status().message();

  page = Read(Replace(kPage, R"("unit_of_measure": "ft")", R"("unit_of_measure": 3)"));
  EXPECT_NE(page.status().message().find(
                "field 'features[0].properties.unit_of_measure': expected a string, found number"),
            std::string::npos)
      << page.status().message();

  page = Read(Replace(kPage, R"("value": "5.15")", R"("value": "n/a")"));
  EXPECT_NE(page.status().message().find("'n/a' is not a number"), std::string::npos);

  page = Read(Replace(kPage, R"("href": "?cursor=2")", R"("href": 7)"));
  EXPECT_NE(page.status().message().find("field 'links[0].href': a next link needs"),
            std::string::npos)
      << page.status().message();

  page = Read(R"({"type": "Feature", "features": []})");
  EXPECT_EQ(page.status().message(),
            "page.json:1:10: field 'type': expected \"FeatureCollection\", found \"Feature\"");
}

TEST(OgcReader, NullValueIsNoData) {
  auto page = Read(Replace(kPage, R"("value": "5.15")", R"("value": null)"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_TRUE(page->batch.observations.empty());
  EXPECT_EQ(page->batch.no_data, 1);
}

}  // namespace
}  // namespace kfm::jobs::usgs
