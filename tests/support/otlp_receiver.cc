#include "otlp_receiver.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"

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
  pid_ = SpawnWithOutput(argv, ports, /*and_stderr=*/false);
  error_ = AwaitReadyLine(pid_, ports, "the receiver", std::chrono::seconds(20),
                          std::chrono::milliseconds(20), [this](const std::string& line) {
                            const auto doc = nlohmann::json::parse(line, nullptr, false);
                            if (doc.is_discarded()) return false;
                            http_port_ = doc.value("http", 0);
                            grpc_port_ = doc.value("grpc", 0);
                            return true;
                          });
}

OtlpReceiver::~OtlpReceiver() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void OtlpReceiver::Stop() { StopProcess(pid_); }

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
