// Shared helpers for the rollup area's small YAML files (budgets, gate waivers): messages in
// the "<file>:<line>:<column>: <field>: <what>" form DESIGN.md asks for, and strict scalar
// conversions. Pure functions; thread-safe.
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

}  // namespace kfm::rollup
