#include "lineage/rdf_graph.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace kfm::lineage {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendPercent(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// The characters Turtle's IRIREF and JSON-LD forbid in an IRI, percent-encoded; a defence for
// IRIs that did not come from EncodeSegment (e.g. a dataset URI a job reported).
std::string SafeIri(std::string_view iri) {
  std::string out;
  out.reserve(iri.size());
  for (unsigned char c : iri) {
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' ||
        c == '|' || c == '^' || c == '`' || c == '\\') {
      AppendPercent(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A local name that Turtle's PN_LOCAL and a JSON-LD compact IRI both accept without escapes.
bool IsPlainLocalName(std::string_view local) {
  if (local.empty() || local.back() == '.' || local.back() == '-') return false;
  const unsigned char first = local.front();
  if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_'))
    return false;
  for (unsigned char c : local) {
    if (!(IsUnreserved(c) && c != '~')) return false;
  }
  return true;
}

std::string XsdIri(std::string_view local) { return std::string(kXsdNs) + std::string(local); }

}  // namespace

std::string EncodeSegment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (unsigned char c : segment) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      AppendPercent(out, c);
    }
  }
  // "." and ".." are dot-segments that IRI resolution would remove.
  if (out == "." || out == "..") {
    std::string dots;
    for (size_t i = 0; i < out.size(); ++i) dots += "%2E";
    return dots;
  }
  return out;
}

std::string ResourceIri(const std::vector<std::string>& segments) {
  std::string iri(kResourceBase);
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) iri += '/';
    iri += EncodeSegment(segments[i]);
  }
  return iri;
}

Term Iri(const std::string& iri) { return {Term::Kind::kIri, SafeIri(iri), {}}; }
Term Literal(std::string text) { return {Term::Kind::kLiteral, std::move(text), {}}; }
Term TypedLiteral(std::string text, std::string_view xsd_local_name) {
  return {Term::Kind::kLiteral, std::move(text), XsdIri(xsd_local_name)};
}
Term DoubleLiteral(double value) {
  if (!std::isfinite(value))
    return TypedLiteral(value > 0 ? "INF" : value < 0 ? "-INF" : "NaN", "double");
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  std::string text = buffer;
  // Shortest form that reads back the same double.
  for (int digits = 1; digits < 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value) {
      text = buffer;
      break;
    }
  }
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return TypedLiteral(text, "double");
}
Term IntegerLiteral(long long value) { return TypedLiteral(std::to_string(value), "integer"); }
Term DateTimeLiteral(std::string rfc3339) { return TypedLiteral(std::move(rfc3339), "dateTime"); }

Graph::Graph(std::vector<std::pair<std::string, std::string>> prefixes)
    : prefixes_(std::move(prefixes)) {}

void Graph::Add(const std::string& subject, const std::string& predicate, Term object) {
  triples_.push_back({SafeIri(subject), SafeIri(predicate), std::move(object)});
}

void Graph::AddType(const std::string& subject, const std::string& type_iri) {
  Add(subject, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", Iri(type_iri));
}

std::string Graph::Compact(const std::string& iri) const {
  for (const auto& [name, ns] : prefixes_) {
    if (iri.size() > ns.size() && iri.compare(0, ns.size(), ns) == 0 &&
        IsPlainLocalName(std::string_view(iri).substr(ns.size()))) {
      return name + ":" + iri.substr(ns.size());
    }
  }
  return iri;
}

std::string Graph::CompactForTurtle(const std::string& iri) const {
  if (iri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") return "a";
  const std::string compact = Compact(iri);
  return compact == iri ? "<" + iri + ">" : compact;
}

std::string EscapeTurtleString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04X", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string Graph::ToTurtle() const {
  std::string out;
  for (const auto& [name, ns] : prefixes_) out += "@prefix " + name + ": <" + ns + "> .\n";
  // Subjects in first-use order, each with its predicate-object list; duplicates once.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Triple*>> by_subject;
  std::set<std::string> seen;
  for (const Triple& t : triples_) {
    const std::string key = t.subject + '\n' + t.predicate + '\n' +
                            (t.object.kind == Term::Kind::kIri ? "I" : "L") + t.object.value +
                            '\n' + t.object.datatype;
    if (!seen.insert(key).second) continue;
    auto [it, inserted] = by_subject.try_emplace(t.subject);
    if (inserted) order.push_back(t.subject);
    it->second.push_back(&t);
  }
  for (const std::string& subject : order) {
    out += "\n<" + subject + ">";
    const auto& list = by_subject[subject];
    for (size_t i = 0; i < list.size(); ++i) {
      const Triple& t = *list[i];
      out += i == 0 ? "\n    " : " ;\n    ";
      out += CompactForTurtle(t.predicate) + " ";
      if (t.object.kind == Term::Kind::kIri) {
        out += CompactForTurtle(t.object.value);
      } else {
        out += "\"" + EscapeTurtleString(t.object.value) + "\"";
        if (!t.object.datatype.empty()) out += "^^" + CompactForTurtle(t.object.datatype);
      }
    }
    out += " .\n";
  }
  return out;
}

nlohmann::json Graph::ToJsonLd() const {
  nlohmann::json context = nlohmann::json::object();
  for (const auto& [name, ns] : prefixes_) context[name] = ns;
  std::vector<std::string> order;
  std::map<std::string, nlohmann::json> nodes;
  std::set<std::string> seen;
  for (const Triple& t : triples_) {
    const std::string key = t.subject + '\n' + t.predicate + '\n' +
                            (t.object.kind == Term::Kind::kIri ? "I" : "L") + t.object.value +
                            '\n' + t.object.datatype;
    if (!seen.insert(key).second) continue;
    auto [it, inserted] = nodes.try_emplace(t.subject, nlohmann::json::object());
    if (inserted) {
      order.push_back(t.subject);
      it->second["@id"] = t.subject;
    }
    nlohmann::json& node = it->second;
    if (t.predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") {
      node["@type"].push_back(Compact(t.object.value));
      continue;
    }
    nlohmann::json value;
    if (t.object.kind == Term::Kind::kIri) {
      value = {{"@id", t.object.value}};
    } else {
      value = {{"@value", t.object.value}};
      if (!t.object.datatype.empty()) value["@type"] = Compact(t.object.datatype);
    }
    node[Compact(t.predicate)].push_back(std::move(value));
  }
  nlohmann::json graph = nlohmann::json::array();
  for (const std::string& subject : order) graph.push_back(std::move(nodes[subject]));
  return {{"@context", std::move(context)}, {"@graph", std::move(graph)}};
}

}  // namespace kfm::lineage
