#include "pipeline/node_report.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace kfm::pipeline {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool IsHex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

NodeReport ParseNodeReport(std::string_view text, const std::string& file_name) {
  NodeReport report;
  int line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    const auto fields = Fields(line);
    if (fields.empty() || fields[0].front() == '#') continue;
    auto problem = [&](const std::string& what) {
      report.problems.push_back(file_name + ":" + std::to_string(line_number) + ": " + what);
    };
    const std::string_view key = fields[0];
    if (key == "records_out" || key == "bytes_out") {
      int64_t value = -1;
      if (fields.size() != 2) {
        problem(std::string(key) + " takes exactly one number");
        continue;
      }
      const auto [end, ec] =
          std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), value);
      if (ec != std::errc() || end != fields[1].data() + fields[1].size() || value < 0) {
        problem(std::string(key) + ": '" + std::string(fields[1]) +
                "' is not a non-negative integer");
        continue;
      }
      auto& slot = key == "records_out" ? report.records_out : report.bytes_out;
      int64_t total = 0;
      // Repeated counts add up; a sum past int64 is refused, never wrapped to a negative.
      if (__builtin_add_overflow(slot.value_or(0), value, &total)) {
        problem(std::string(key) + ": the total passes " +
                std::to_string(std::numeric_limits<int64_t>::max()) + "; line ignored");
        continue;
      }
      slot = total;
    } else if (key == "dataset") {
      if (fields.size() != 5) {
        problem("dataset takes <name> <version> <uri> <sha256>");
        continue;
      }
      if (!IsHex64(fields[4])) {
        problem("dataset sha256 '" + std::string(fields[4]) + "' is not 64 hex digits");
        continue;
      }
      report.datasets.push_back({std::string(fields[1]), std::string(fields[2]),
                                 std::string(fields[3]), std::string(fields[4])});
    } else {
      problem("unknown key '" + std::string(key) +
              "' (expected records_out, bytes_out or dataset)");
    }
  }
  return report;
}

NodeReport ReadNodeReport(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return ParseNodeReport(text.str(), file.string());
}

std::string MakeNodeReportFile() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kfm-node-report-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return {};
  ::close(fd);
  return pattern;
}

}  // namespace kfm::pipeline
