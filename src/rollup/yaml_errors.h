// Shared helpers for the rollup area's small YAML files (budgets, gate waivers): messages in
// the "<file>:<line>:<column>: <field>: <what>" form DESIGN.md asks for, strict scalar
// conversions, the single-key top level both files have, and reading a file for its parser.
// Pure functions (apart from reading the named file); thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kfm/status.h"

namespace kfm::rollup {

// InvalidArgument "<file>:<line>:<column>: <field>: <what>" (yaml-cpp marks are 0-based).
Status YamlError(std::string_view file, const YAML::Mark& mark, std::string_view field,
                 std::string_view what);

// "a map", "a list", "null", "the string 'x'".
std::string DescribeYaml(const YAML::Node& node);

// A plain (unquoted) finite number, e.g. 5, 0.25, 1e3; nullopt for anything else.
std::optional<double> PlainNumber(const YAML::Node& node);

// Parses one YAML document; a syntax error or several documents are InvalidArgument.
Result<YAML::Node> LoadYamlDocument(std::string_view yaml, std::string_view file);

// Reads a whole file; NotFound / IoError naming it.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

// A YAML file whose top level is a map with one known key (budgets:, waivers:).
struct SingleKeyDocument {
  YAML::Node root;   // the top-level map, for the marks of messages
  YAML::Node value;  // the key's value; null when the key is absent (as for `key:`)
};

// Parses one YAML document whose top level must be a map with no key but `key`. Another top
// level or another key is InvalidArgument naming file, line, column and the field.
Result<SingleKeyDocument> LoadSingleKeyDocument(std::string_view yaml, std::string_view file,
                                                std::string_view key);

// Reads `path` and parses its text with `parse` (a Parse*File function of this area); the
// errors of either name the file.
template <typename Parsed>
Result<Parsed> ParseTextFile(const std::filesystem::path& path,
                             Result<Parsed> (*parse)(std::string_view text,
                                                     const std::filesystem::path& path)) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return parse(text.value(), path);
}

}  // namespace kfm::rollup
