#include "file_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace kfm::jobs::usgs::testing {

FileServer::FileServer(const std::string& root, const std::vector<std::string>& args) {
  const std::string script = std::string(KFM_SOURCE_DIR) + "/tests/support/http_file_server.mjs";
  std::string pattern = (std::filesystem::temp_directory_path() / "kfm-usgs-http-XXXXXX").string();
  dir_ = ::mkdtemp(pattern.data());
  const std::string port_file = dir_ + "/port";
  std::vector<std::string> argv = {"node", script, "--root", root, "--log", log_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    const int out = ::open(port_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp("node", cargv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    std::string line;
    if (std::getline(in, line) && !line.empty() && in.good()) {
      port_ = std::atoi(line.c_str());
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "http_file_server.mjs exited at start (is node installed?)";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "http_file_server.mjs did not start within 20 s";
}

FileServer::~FileServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string FileServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<nlohmann::json> FileServer::Requests() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(log_path());
  std::string line;
  while (std::getline(in, line)) {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_discarded()) out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace kfm::jobs::usgs::testing
