// Security: secrets never leave kfm-energy (OTLP header values, a password in the collector
// URL, secret-looking command-line arguments) - not in its output, errors, spans, documents or
// the spool, even when the collector is down or refuses; run ids and node names cannot leave
// KFM_HOME; files follow the umask; and telemetry stays system-level (no user name anywhere).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otlp_receiver.h"
#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBinary = KFM_BINARY;
constexpr char kSecret[] = "kfm-secret-7f3a9c";
constexpr char kPerson[] = "kfm-person-qz81";

// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  if (!fs::exists(dir)) return found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && ReadFile(entry.path()).find(needle) != std::string::npos)
      found.push_back(entry.path().string());
  }
  return found;
}

class FaultSecretsTest : public ::testing::Test {
 protected:
  std::string Home() const { return dir_.path() + "/home"; }
  std::vector<std::string> Env(const std::string& run, const std::string& endpoint) const {
    return IsolatedRunEnv(
        Home(), run,
        {"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
         std::string("OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20") + kSecret +
             ",x-api-key=" + kSecret,
         "OTEL_EXPORTER_OTLP_TIMEOUT=2000", std::string("USER=") + kPerson,
         std::string("LOGNAME=") + kPerson});
  }
  // The command, with secrets in its arguments; it writes them outside KFM_HOME to show it
  // received them unredacted.
  std::vector<std::string> SecretCommand(const std::string& node) const {
    return {kBinary,
            "run",
            "--node",
            node,
            "--",
            "/bin/sh",
            "-c",
            "echo \"$@\" > '" + dir_.path() + "/argv-" + node + "'",
            "sh",
            "--api-key",
            kSecret,
            std::string("DB_PASSWORD=") + kSecret,
            std::string("https://me:") + kSecret + "@example.org/data"};
  }
  void ExpectNoSecret(const CommandResult& result) const {
    EXPECT_EQ(result.out.find(kSecret), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(kSecret), std::string::npos) << result.err;
    EXPECT_EQ(FilesContaining(Home(), kSecret), std::vector<std::string>{});
  }
  TempDir dir_;
};

TEST_F(FaultSecretsTest, CollectorDownOrRefusingNeverShowsHeadersUrlPasswordsOrArguments) {
  int port = 0;
  {
    OtlpReceiver probe;  // a free port, then closed: the collector is down
    if (!probe.ok()) GTEST_SKIP() << probe.error();
    port = probe.http_port();
  }
  const std::string endpoint =
      std::string("http://kfm:") + kSecret + "@127.0.0.1:" + std::to_string(port);
  auto down = RunCommand(SecretCommand("down"), Env("sec-1", endpoint));
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.err.find("kept in the spool"), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("kfm:<redacted>@127.0.0.1"), std::string::npos) << down.err;
  ExpectNoSecret(down);
  // The command itself got its real arguments.
  EXPECT_NE(ReadFile(dir_.path() + "/argv-down").find(kSecret), std::string::npos);
  // ... and the record says they were there, without their values.
  const auto energy =
      nlohmann::json::parse(ReadFile(Home() + "/telemetry/energy/kfm-run-sec-1.json"));
  const auto command = energy["nodes"][0]["command"];
  ASSERT_EQ(command.size(), 8u) << command;  // /bin/sh -c SCRIPT sh --api-key S DB_PASSWORD=S URL
  EXPECT_EQ(command[4], "--api-key") << command;
  EXPECT_EQ(command[5], "<redacted>") << command;
  EXPECT_EQ(command[6], "DB_PASSWORD=<redacted>") << command;
  EXPECT_EQ(command[7], "https://me:<redacted>@example.org/data") << command;

  auto flush = RunCommand({kBinary, "flush"}, Env("sec-1", endpoint));
  EXPECT_EQ(flush.exit_code, 1) << flush.err;  // still down: nothing delivered
  ExpectNoSecret(flush);

  // A collector that refuses (HTTP 400): the refusal is kept with its reason, still no secret.
  OtlpReceiver refusing({"--reject-status", "400"});
  ASSERT_TRUE(refusing.ok()) << refusing.error();
  const std::string refusing_endpoint =
      std::string("http://kfm:") + kSecret + "@127.0.0.1:" + std::to_string(refusing.http_port());
  auto refused = RunCommand(SecretCommand("refused"), Env("sec-2", refusing_endpoint));
  ASSERT_EQ(refused.exit_code, 0) << refused.err;
  ExpectNoSecret(refused);
  bool has_reason = false;
  for (const auto& entry : fs::directory_iterator(Home() + "/telemetry/spool")) {
    has_reason |= entry.path().extension() == ".reason";
  }
  EXPECT_TRUE(has_reason);

  // A malformed header setting is exit 2 without echoing the value.
  auto bad = RunCommand(
      {kBinary, "run", "--node", "bad", "--", "/bin/true"},
      IsolatedRunEnv(Home(), "sec-3",
                     {std::string("OTEL_EXPORTER_OTLP_HEADERS=authorization ") + kSecret}));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("OTEL_EXPORTER_OTLP_HEADERS"), std::string::npos) << bad.err;
  ExpectNoSecret(bad);
}

TEST_F(FaultSecretsTest, NoUserNameInSpansOrFiles) {
  auto result = RunCommand({kBinary, "run", "--node", "who", "--", "/bin/true"},
                           Env("who-1", "http://127.0.0.1:9"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(FilesContaining(Home(), kPerson), std::vector<std::string>{});
  for (const auto& request : ReadJsonLines(Home() + "/telemetry/otel/spans-kfm-run-who-1.json")) {
    for (const auto& rs : request["resourceSpans"]) {
      for (const auto& a : rs["resource"]["attributes"]) {
        const std::string key = a["key"];
        EXPECT_NE(key, "process.owner");
        EXPECT_NE(key.rfind("user.", 0), 0u) << key;
        EXPECT_NE(key.rfind("enduser.", 0), 0u) << key;
      }
      for (const auto& [key, value] : SpanAttributes(request)) {
        EXPECT_NE(key, "process.owner");
        EXPECT_NE(key.rfind("user.", 0), 0u) << key;
        EXPECT_NE(key.rfind("enduser.", 0), 0u) << key;
      }
    }
  }
}

TEST_F(FaultSecretsTest, HostileRunIdsAndNodeNamesCannotLeaveKfmHome) {
  for (const char* id : {"../escape", "a/b", "..", ".hidden", "x\ny"}) {
    auto run =
        RunCommand({kBinary, "run", "--node", "n", "--", "/bin/true"}, IsolatedRunEnv(Home(), id));
    EXPECT_EQ(run.exit_code, 2) << id << ": " << run.err;
  }
  const std::string file = dir_.path() + "/p.yaml";
  WriteFile(file, "pipeline: p\nnodes:\n  \"../../escape\": {run: [/bin/true]}\n");
  auto pipeline =
      RunCommand({kBinary, "pipeline", "run", "-q", file}, IsolatedRunEnv(Home(), "h1"));
  EXPECT_EQ(pipeline.exit_code, 2) << pipeline.err;
  EXPECT_NE(pipeline.err.find("p.yaml:3"), std::string::npos) << pipeline.err;
  WriteFile(file, "pipeline: p\nnodes:\n  ok: {run: [/bin/true]}\n");
  auto bad_id =
      RunCommand({kBinary, "pipeline", "run", "-q", file}, IsolatedRunEnv(Home(), "../../escape"));
  EXPECT_EQ(bad_id.exit_code, 2) << bad_id.err;
  // Nothing was written outside KFM_HOME.
  EXPECT_FALSE(fs::exists(dir_.path() + "/escape"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/telemetry"));
}

TEST_F(FaultSecretsTest, FilesFollowTheUmask) {
  auto result = RunCommand(
      {"/bin/sh", "-c", "umask 077 && exec '" + kBinary + "' run -q --node m -- /bin/true"},
      Env("mask-1", "http://127.0.0.1:9"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(Home())) {
    struct stat st {};
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << entry.path() << " is open to others under umask 077";
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

}  // namespace
}  // namespace kfm::testing
