// A small RDF graph (IRIs, literals, triples) and its two serializations, Turtle and JSON-LD,
// for the lineage writers (PROV-O, DCAT). Escaping lives here only: IRIs are built from
// percent-encoded path segments and literals are escaped by the writers, so no value a node
// or a job reports can change the structure of the output. Plain values; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kfm::lineage {

// Namespace IRIs used by the lineage vocabularies.
inline constexpr std::string_view kProvNs = "http://www.w3.org/ns/prov#";
inline constexpr std::string_view kXsdNs = "http://www.w3.org/2001/XMLSchema#";
inline constexpr std::string_view kRdfsNs = "http://www.w3.org/2000/01/rdf-schema#";
inline constexpr std::string_view kDcatNs = "http://www.w3.org/ns/dcat#";
inline constexpr std::string_view kDctNs = "http://purl.org/dc/terms/";
inline constexpr std::string_view kKfmNs = "https://kfm.example/ns/energy#";
// Base of the resources a run describes: runs, nodes, datasets, tables, agents.
inline constexpr std::string_view kResourceBase = "https://kfm.example/id/";

// RFC 3986 percent-encoding of one path segment: everything but unreserved characters
// (letters, digits, '-', '.', '_', '~') is %XX, so the segment is safe in any IRI syntax.
std::string EncodeSegment(std::string_view segment);
// kResourceBase + the encoded segments joined by '/'.
std::string ResourceIri(const std::vector<std::string>& segments);

struct Term {
  enum class Kind { kIri, kLiteral };
  Kind kind = Kind::kIri;
  std::string value;     // the full IRI, or the literal's lexical form
  std::string datatype;  // literals: a full datatype IRI; empty = xsd:string
};

Term Iri(const std::string& iri);
Term Literal(std::string text);                                        // xsd:string
Term TypedLiteral(std::string text, std::string_view xsd_local_name);  // e.g. "double"
Term DoubleLiteral(double value);                                      // xsd:double
Term IntegerLiteral(long long value);                                  // xsd:integer
Term DateTimeLiteral(std::string rfc3339);                             // xsd:dateTime

struct Triple {
  std::string subject;  // full IRI
  std::string predicate;
  Term object;
};

class Graph {
 public:
  // `prefixes` (name, namespace IRI) compact predicates and types in the output.
  explicit Graph(std::vector<std::pair<std::string, std::string>> prefixes);
  void Add(const std::string& subject, const std::string& predicate, Term object);
  void AddType(const std::string& subject, const std::string& type_iri);

  const std::vector<Triple>& triples() const { return triples_; }
  // Turtle 1.1: @prefix lines, then one block per subject (in first-use order).
  std::string ToTurtle() const;
  // JSON-LD 1.1 (expanded values, compact IRIs through @context), one node object per subject.
  nlohmann::json ToJsonLd() const;

 private:
  std::string CompactForTurtle(const std::string& iri) const;
  std::string Compact(const std::string& iri) const;
  std::vector<std::pair<std::string, std::string>> prefixes_;
  std::vector<Triple> triples_;
};

// A Turtle string literal body: ", \, newline, carriage return, tab and every other control
// character escaped (\uXXXX); the rest of UTF-8 kept as is.
std::string EscapeTurtleString(std::string_view text);

}  // namespace kfm::lineage
