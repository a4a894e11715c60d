// A pipeline file (DESIGN.md "Pipeline file"): a DAG of named nodes, each an argv (or, when
// asked for, a shell command line), with `needs` edges, per-node settings and defaults.
// Loading checks everything before anything runs — unknown keys, wrong types, missing or
// duplicate nodes, cycles (spelled out) — and names the file, line and field of each problem.
// Values; thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kfm/status.h"

namespace kfm::pipeline {

struct NodeSpec {
  std::string name;
  int line = 0;                    // where the node is defined, 1-based
  std::vector<std::string> run;    // argv, ${VAR} not yet expanded; empty when `shell` is used
  std::string shell;               // `shell: "..."`: run by /bin/sh -c
  std::vector<std::string> needs;  // upstream nodes, in file order
  std::string domain;              // defaults applied
  std::string pipeline_kind;
  std::vector<std::pair<std::string, std::string>> env;  // extra environment, ${VAR} expanded
  std::chrono::milliseconds timeout{0};                  // 0: none
  int retries = 0;
  bool production = true;  // the contract check (energy.cpu_j, carbon.gco2e) applies
};

struct PipelineSpec {
  std::filesystem::path file;
  std::string name;             // `pipeline:`
  std::string region;           // `region:`, empty when not given (KFM_REGION then applies)
  std::vector<NodeSpec> nodes;  // in file order
  // Indices into `nodes` in an order where every node comes after all it needs.
  std::vector<size_t> topological_order;

  [[nodiscard]] const NodeSpec* Find(std::string_view name) const;
};

// Reads and checks `file`. InvalidArgument "<file>:<line>:<column>: <field>: <what>" for the
// first problem found; a cycle is reported as "a -> b -> c -> a".
Result<PipelineSpec> LoadPipeline(const std::filesystem::path& file);
// The same from text (`file` names it in messages).
Result<PipelineSpec> ParsePipeline(std::string_view yaml, const std::filesystem::path& file);

// "2h", "90m", "45s", "1h30m", "500ms" -> milliseconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Replaces ${VAR} with the variable's value from `lookup` ("$${" is a literal "${").
// InvalidArgument naming the variable when it is unset and has no `${VAR:-default}`.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
Result<std::string> ExpandVariables(std::string_view text, const EnvLookup& lookup);

}  // namespace kfm::pipeline
