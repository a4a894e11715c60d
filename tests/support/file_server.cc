#include "file_server.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace kfm::testing {

FileServer::FileServer(const std::string& root, const std::vector<std::string>& args) {
  std::string pattern = (std::filesystem::temp_directory_path() / "kfm-files-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  const std::string port_file = dir_ + "/port";
  std::vector<std::string> argv = {KFM_NODE, KFM_HTTP_FILE_SERVER,    "--root", root,
                                   "--log",  dir_ + "/requests.jsonl"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = SpawnWithOutput(argv, port_file, /*and_stderr=*/false);
  error_ = AwaitReadyLine(pid_, port_file, "the file server", std::chrono::seconds(15),
                          std::chrono::milliseconds(10), [this](const std::string& line) {
                            port_ = std::atoi(line.c_str());
                            return true;
                          });
}

FileServer::~FileServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void FileServer::Stop() { StopProcess(pid_); }

std::string FileServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<nlohmann::json> FileServer::Requests() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir_ + "/requests.jsonl");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace kfm::testing
