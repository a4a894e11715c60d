#include "ogc_pager.h"

#include <gtest/gtest.h>

#include <map>

#include "usgs_test_util.h"

namespace kfm::jobs::usgs {
namespace {

using testing::FixtureText;

TEST(ResolveHref, FollowsRfc3986) {
  const std::string base =
      "https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/"
      "items?f=json&limit=4";
  EXPECT_EQ(ResolveHref(base, "https://api.waterdata.usgs.gov/x?cursor=9"),
            "https://api.waterdata.usgs.gov/x?cursor=9");
  EXPECT_EQ(
      ResolveHref(base, "?f=json&cursor=9"),
      "https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items?f=json&cursor=9");
  EXPECT_EQ(ResolveHref(base, "items2"),
            "https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items2");
  EXPECT_EQ(ResolveHref(base, "../daily/items?a=b/../c"),
            "https://api.waterdata.usgs.gov/ogcapi/v0/collections/daily/items?a=b/../c");
  EXPECT_EQ(ResolveHref(base, "/ogcapi/v0/collections/continuous/items?cursor=9"),
            "https://api.waterdata.usgs.gov/ogcapi/v0/collections/continuous/items?cursor=9");
  EXPECT_EQ(ResolveHref(base, "//other.example/items"), "https://other.example/items");
  EXPECT_EQ(ResolveHref("http://127.0.0.1:4000/page1.json", "./page2.json"),
            "http://127.0.0.1:4000/page2.json");
  EXPECT_EQ(ResolveHref("http://127.0.0.1:4000", "page2.json"), "http://127.0.0.1:4000/page2.json");
}

TEST(UrlOrigin, SchemeHostAndPortInLowerCase) {
  EXPECT_EQ(UrlOrigin("HTTPS://API.waterdata.usgs.gov/ogcapi?x"), "https://api.waterdata.usgs.gov");
  EXPECT_EQ(UrlOrigin("https://api.waterdata.usgs.gov:443/a"), "https://api.waterdata.usgs.gov");
  EXPECT_EQ(UrlOrigin("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
  EXPECT_NE(UrlOrigin("http://api.waterdata.usgs.gov/a"),
            UrlOrigin("https://api.waterdata.usgs.gov/a"));
}

// Serves pages from memory and records what was asked for.
struct FakeServer {
  std::map<std::string, std::string> pages;
  std::vector<std::string> asked;
  Fetcher fetcher() {
    return [this](const std::string& url) -> Result<std::string> {
      asked.push_back(url);
      const auto it = pages.find(url);
      if (it == pages.end()) return Status::NotFound(url + ": HTTP 404");
      return it->second;
    };
  }
};

constexpr const char* kBase = "http://127.0.0.1:4000/continuous/";

TEST(OgcPager, FollowsNextLinksToTheLastPage) {
  FakeServer server;
  server.pages[std::string(kBase) + "ogc_continuous_page1.json"] =
      FixtureText("ogc_continuous_page1.json");
  server.pages[std::string(kBase) + "ogc_continuous_page2.json?f=json&limit=4&offset=4"] =
      FixtureText("ogc_continuous_page2.json");
  auto result = ReadOgcPages(std::string(kBase) + "ogc_continuous_page1.json", server.fetcher());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->pages, 2);
  EXPECT_EQ(result->batch.observations.size(), 5u);  // 3 + 2
  EXPECT_EQ(result->batch.no_data, 1);
  EXPECT_EQ(server.asked.size(), 2u);
}

std::string PageLinkingTo(const std::string& href) {
  return R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "geometry": null, "properties": {"monitoring_location_id": "USGS-1",
   "parameter_code": "00060", "time": "2026-11-01T07:00:00+00:00", "value": "1",
   "unit_of_measure": "ft^3/s", "approval_status": "Provisional", "qualifier": null}}],
 "links": [{"rel": "self", "href": "x"}, {"rel": "next", "href": ")" +
         href + R"("}]})";
}

TEST(OgcPager, RefusesANextLinkToAnotherHost) {
  FakeServer server;
  const std::string first = std::string(kBase) + "p1";
  server.pages[first] = PageLinkingTo("https://collector.example.net/steal?cursor=2");
  auto result = ReadOgcPages(first, server.fetcher());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find(first + ":5:66: field 'links[1].href': next link "
                                                   "'https://collector.example.net/steal?cursor=2' "
                                                   "leaves http://127.0.0.1:4000"),
            std::string::npos)
      << result.status().message();
  EXPECT_EQ(server.asked.size(), 1u);  // never asked the other host

  server.pages[first] = PageLinkingTo("http://user:pw@127.0.0.1:4000/p2");
  result = ReadOgcPages(first, server.fetcher());
  EXPECT_NE(result.status().message().find("carries user credentials"), std::string::npos);
}

TEST(OgcPager, RefusesALoopAndStopsAtMaxPages) {
  FakeServer server;
  const std::string first = std::string(kBase) + "p1";
  server.pages[first] = PageLinkingTo("p2");
  server.pages[std::string(kBase) + "p2"] = PageLinkingTo("p1");
  auto result = ReadOgcPages(first, server.fetcher());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'p1' points back at a page already read"),
            std::string::npos)
      << result.status().message();

  server.pages[std::string(kBase) + "p2"] = PageLinkingTo("p3");
  server.pages[std::string(kBase) + "p3"] = PageLinkingTo("p4");
  result = ReadOgcPages(first, server.fetcher(), PagingOptions{.max_pages = 2});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("more than 2 pages"), std::string::npos);
}

TEST(OgcPager, EmptyPageEndsTheWalkAndFetchErrorsPassThrough) {
  FakeServer server;
  const std::string first = std::string(kBase) + "p1";
  server.pages[first] = R"({"type": "FeatureCollection", "features": [],
    "links": [{"rel": "next", "href": "p2"}]})";
  auto result = ReadOgcPages(first, server.fetcher());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->pages, 1);

  server.pages[first] = PageLinkingTo("missing");
  result = ReadOgcPages(first, server.fetcher());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kNotFound);

  server.pages[first] = R"({"value": {"timeSeries": []}})";
  result = ReadOgcPages(first, server.fetcher());
  EXPECT_NE(result.status().message().find("not a GeoJSON FeatureCollection"), std::string::npos);
}

}  // namespace
}  // namespace kfm::jobs::usgs
