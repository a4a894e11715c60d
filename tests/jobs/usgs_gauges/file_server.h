// Test helper: runs tests/support/http_file_server.mjs (Node) on 127.0.0.1 over a directory and
// reads its request log. Stops it in the destructor. For the usgs_gauges tests only;
// thread-compatible.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::jobs::usgs::testing {

class FileServer {
 public:
  // `args`: extra server options, e.g. {"--require-header", "X-Api-Key=k"}.
  FileServer(const std::string& root, const std::vector<std::string>& args = {});
  ~FileServer();
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  // False (with error()) when node is missing or the server did not start.
  [[nodiscard]] bool ok() const { return port_ > 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // "http://127.0.0.1:PORT"
  [[nodiscard]] std::string base_url() const;
  // One object per request: method, path, query, headers (names only), status, bytes.
  [[nodiscard]] std::vector<nlohmann::json> Requests() const;
  [[nodiscard]] std::string log_path() const { return dir_ + "/requests.jsonl"; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string error_;
};

}  // namespace kfm::jobs::usgs::testing
