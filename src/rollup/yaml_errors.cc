#include "rollup/yaml_errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace kfm::rollup {

Status YamlError(std::string_view file, const YAML::Mark& mark, std::string_view field,
                 std::string_view what) {
  std::ostringstream out;
  out << file << ':' << std::max(mark.line, 0) + 1 << ':' << std::max(mark.column, 0) + 1 << ": "
      << field << ": " << what;
  return Status::InvalidArgument(out.str());
}

std::string DescribeYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    default:
      return "nothing";
  }
}

std::optional<double> PlainNumber(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;  // "!" marks a quoted scalar
  const std::string& text = node.Scalar();
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

Result<YAML::Node> LoadYamlDocument(std::string_view yaml, std::string_view file) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return YamlError(file, e.mark, "syntax", e.msg);
  }
  if (documents.size() > 1) {
    return YamlError(file, documents[1].Mark(), "(top level)",
                     "expected one YAML document, found " + std::to_string(documents.size()));
  }
  return documents.empty() ? YAML::Node() : documents[0];
}

Result<SingleKeyDocument> LoadSingleKeyDocument(std::string_view yaml, std::string_view file,
                                                std::string_view key) {
  auto doc = LoadYamlDocument(yaml, file);
  if (!doc.ok()) return doc.status();
  SingleKeyDocument out{.root = doc.value(), .value = YAML::Node()};
  const YAML::Node& root = out.root;
  if (!root.IsMap()) {
    return YamlError(file, root.Mark(), "(top level)",
                     "expected a map with `" + std::string(key) + "`, got " + DescribeYaml(root));
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (name != key) {
      return YamlError(file, it->first.Mark(), name,
                       "unknown key; known keys: " + std::string(key));
    }
    out.value = it->second;
  }
  return out;
}

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(path.string() + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path.string() + ": cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  return text.str();
}

}  // namespace kfm::rollup
