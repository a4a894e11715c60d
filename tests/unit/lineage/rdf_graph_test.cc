// The RDF writers' escaping: IRIs from percent-encoded segments, Turtle string escapes, and a
// JSON-LD shape that keeps every value as data.
#include "lineage/rdf_graph.h"

#include <gtest/gtest.h>

#include <string>

namespace kfm::lineage {
namespace {

using Prefixes = std::vector<std::pair<std::string, std::string>>;

TEST(EncodeSegmentTest, KeepsUnreservedAndPercentEncodesEverythingElse) {
  EXPECT_EQ(EncodeSegment("usgs_gauges-1.2~x"), "usgs_gauges-1.2~x");
  EXPECT_EQ(EncodeSegment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
  EXPECT_EQ(EncodeSegment("<>\"{}|^`\\"), "%3C%3E%22%7B%7D%7C%5E%60%5C");
  EXPECT_EQ(EncodeSegment("\xC3\xA9"), "%C3%A9");  // UTF-8 bytes one by one
  EXPECT_EQ(EncodeSegment(".."), "%2E%2E");        // no dot-segment survives resolution
}

TEST(EscapeTurtleStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(EscapeTurtleString("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(EscapeTurtleString("l1\nl2\r\t"), "l1\\nl2\\r\\t");
  EXPECT_EQ(EscapeTurtleString(std::string("x\x01y\x7F", 4)), "x\\u0001y\\u007F");
  EXPECT_EQ(EscapeTurtleString("caf\xC3\xA9 <>"), "caf\xC3\xA9 <>");
}

TEST(GraphTest, TurtleCompactsOnlyPlainLocalNamesAndEscapesLiterals) {
  Graph g(Prefixes{{"kfm", "https://kfm.example/ns/energy#"}});
  const std::string s = ResourceIri({"dataset", "na\"me>", "v1"});
  EXPECT_EQ(s, "https://kfm.example/id/dataset/na%22me%3E/v1");
  g.Add(s, "https://kfm.example/ns/energy#energy.cpu_j", DoubleLiteral(0.5));
  g.Add(s, "https://kfm.example/ns/energy#odd.", Literal("x\"y"));
  g.Add(s, "https://kfm.example/ns/energy#energy.cpu_j", DoubleLiteral(0.5));  // duplicate
  const std::string ttl = g.ToTurtle();
  EXPECT_NE(ttl.find("kfm:energy.cpu_j \"0.5\"^^<http://www.w3.org/2001/XMLSchema#double>"),
            std::string::npos)
      << ttl;
  // A local name ending in '.' is not valid PN_LOCAL: the full IRI is written instead.
  EXPECT_NE(ttl.find("<https://kfm.example/ns/energy#odd.> \"x\\\"y\""), std::string::npos) << ttl;
  EXPECT_EQ(ttl.find("energy.cpu_j", ttl.find("energy.cpu_j") + 1), std::string::npos)
      << "duplicate triple written twice:\n"
      << ttl;
}

TEST(GraphTest, IrisFromOutsideHaveForbiddenCharactersPercentEncoded) {
  EXPECT_EQ(Iri("file:///tmp/a b\"<x>{y}|^`\\").value,
            "file:///tmp/a%20b%22%3Cx%3E%7By%7D%7C%5E%60%5C");
}

TEST(GraphTest, JsonLdKeepsValuesAsTypedData) {
  Graph g(Prefixes{{"kfm", "https://kfm.example/ns/energy#"},
                   {"xsd", "http://www.w3.org/2001/XMLSchema#"}});
  const std::string s = ResourceIri({"run", "r1"});
  g.AddType(s, "https://kfm.example/ns/energy#Run");
  g.Add(s, "https://kfm.example/ns/energy#records_out", IntegerLiteral(42));
  g.Add(s, "https://kfm.example/ns/energy#note", Literal("{\"@id\": \"x\"}"));
  const auto doc = g.ToJsonLd();
  ASSERT_EQ(doc["@graph"].size(), 1u);
  const auto& node = doc["@graph"][0];
  EXPECT_EQ(node["@id"], s);
  EXPECT_EQ(node["@type"][0], "kfm:Run");
  EXPECT_EQ(node["kfm:records_out"][0]["@value"], "42");
  EXPECT_EQ(node["kfm:records_out"][0]["@type"], "xsd:integer");
  EXPECT_EQ(node["kfm:note"][0]["@value"], "{\"@id\": \"x\"}");
}

TEST(DoubleLiteralTest, ShortestRoundTripAndAlwaysADoubleLexicalForm) {
  EXPECT_EQ(DoubleLiteral(0.1).value, "0.1");
  EXPECT_EQ(DoubleLiteral(3).value, "3.0");
  EXPECT_EQ(std::stod(DoubleLiteral(1.0 / 3).value), 1.0 / 3);
  EXPECT_EQ(DoubleLiteral(2.5e-7).value, "2.5e-07");
}

}  // namespace
}  // namespace kfm::lineage
