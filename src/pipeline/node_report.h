// The counts a node reports by appending lines to $KFM_NODE_REPORT:
//   records_out <n> | bytes_out <n> | dataset <name> <version> <uri> <sha256>
// Repeated counts add up. Lines that do not parse are reported with file and line and
// otherwise ignored: a node's own result never depends on its report. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kfm::pipeline {

struct DatasetReport {
  std::string name;
  std::string version;
  std::string uri;
  std::string sha256;
};

struct NodeReport {
  std::optional<int64_t> records_out;
  std::optional<int64_t> bytes_out;
  std::vector<DatasetReport> datasets;
  std::vector<std::string> problems;  // "<file>:<line>: <what>"
};

NodeReport ParseNodeReport(std::string_view text, const std::string& file_name);
// A fresh empty report file under $TMPDIR (or /tmp) for one node; empty when none could be
// made.
std::string MakeNodeReportFile();

// A missing file is an empty report.
NodeReport ReadNodeReport(const std::filesystem::path& file);

}  // namespace kfm::pipeline
