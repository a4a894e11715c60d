#include "span_files.h"

#include <sstream>

#include "subprocess.h"

namespace kfm::testing {

std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::map<std::string, nlohmann::json> SpanAttributes(const nlohmann::json& request) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& a : request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"])
    out[a["key"]] = a["value"];
  return out;
}

}  // namespace kfm::testing
