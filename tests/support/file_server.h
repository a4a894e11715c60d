// Test helper: runs tests/support/http_file_server.mjs (Node) on a loopback port over a
// directory and reads its request log. Stops it in the destructor. Shared by the job tests;
// thread-compatible.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kfm::testing {

class FileServer {
 public:
  // Serves `root`; `args` are extra server options, e.g. {"--require-header", "X-Api-Key=k"}.
  explicit FileServer(const std::string& root, const std::vector<std::string>& args = {});
  ~FileServer();
  FileServer(const FileServer&) = delete;
  FileServer& operator=(const FileServer&) = delete;

  // False (with error()) when node is missing or the server did not start.
  [[nodiscard]] bool ok() const { return pid_ > 0 && port_ > 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path ("/a.grib2").
  [[nodiscard]] std::string Url(const std::string& path) const;
  // "http://127.0.0.1:PORT"
  [[nodiscard]] std::string base_url() const { return Url(""); }
  // The server's request log (JSON lines).
  [[nodiscard]] std::string log_path() const { return dir_ + "/requests.jsonl"; }
  // The requests logged so far, one JSON object each, in order.
  [[nodiscard]] std::vector<nlohmann::json> Requests() const;
  void Stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string error_;
};

}  // namespace kfm::testing
