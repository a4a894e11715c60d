#include "otlp_receiver.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kfm::testing {

OtlpReceiver::OtlpReceiver(const std::vector<std::string>& args, int http_port) {
  const std::string script = std::string(KFM_SOURCE_DIR) + "/tests/receiver/otlp-receiver.mjs";
  if (!std::filesystem::exists(std::string(KFM_SOURCE_DIR) + "/tests/receiver/node_modules")) {
    error_ = "tests/receiver/node_modules missing: run scripts/bootstrap";
    return;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "kfm-receiver-XXXXXX").string();
  dir_ = ::mkdtemp(pattern.data());
  const std::string ports = dir_ + "/ports";
  std::vector<std::string> argv = {
      "node",        script, "--out", dir_ + "/out.jsonl", "--http-port", std::to_string(http_port),
      "--grpc-port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    const int out = ::open(ports.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp("node", cargv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ports);
    std::string line;
    if (std::getline(in, line) && !line.empty()) {
      const auto doc = nlohmann::json::parse(line, nullptr, false);
      if (!doc.is_discarded()) {
        http_port_ = doc.value("http", 0);
        grpc_port_ = doc.value("grpc", 0);
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "the receiver exited at start (is node installed?)";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "the receiver did not start within 20 s";
}

OtlpReceiver::~OtlpReceiver() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void OtlpReceiver::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

std::vector<nlohmann::json> OtlpReceiver::Accepted() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir_ + "/out.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace kfm::testing
