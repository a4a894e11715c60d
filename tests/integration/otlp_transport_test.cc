// The OTLP transports (HTTP protobuf, HTTP JSON, gRPC; gzip on and off) against the reference
// receiver (tests/receiver/otlp-receiver.mjs, node) on loopback: what arrives, with which
// headers, and how every kind of answer is classified (accepted, partial, retryable with the
// server's delay, refused, timeout, nothing listening). Skips when node or the receiver's
// dependencies are missing.
#include "otel/otlp_transport.h"

#include <fcntl.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "otel/otlp_grpc_status.h"
#include "otel/otlp_http_transport.h"
// The generated OTLP headers (build/<preset>/proto/gen) must be on this target's include path.
#if __has_include("opentelemetry/proto/collector/trace/v1/trace_service.pb.h")
#define KFM_HAVE_OTLP_PROTO_HEADERS 1
#include "otel/otlp_proto.h"
#endif
#include "subprocess.h"

namespace kfm::otel {
namespace {

using Outcome = SendResult::Outcome;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

const std::string kSourceDir = KFM_SOURCE_DIR;
const std::string kReceiver = kSourceDir + "/tests/receiver/otlp-receiver.mjs";
const std::string kReceiverModules = kSourceDir + "/tests/receiver/node_modules";
constexpr char kApiKey[] = "k3y-that-must-never-appear-in-messages";

#ifdef KFM_HAVE_OTLP_PROTO_HEADERS

// The first executable `name` on PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Why the receiver cannot run here, or "" when it can.
std::string ReceiverMissing() {
  if (FindOnPath("node").empty()) return "node is not on PATH";
  if (!std::filesystem::exists(kReceiver)) return kReceiver + " is missing";
  if (!std::filesystem::exists(kReceiverModules)) {
    return "the receiver's dependencies are not installed (npm ci --prefix tests/receiver)";
  }
  return "";
}

// The reference receiver as a child process: started with the given extra flags, ready once
// it has printed its ports; SIGTERM when the test ends.
class Receiver {
 public:
  explicit Receiver(const std::vector<std::string>& flags)
      : out_(dir_.path() + "/received"), log_(dir_.path() + "/receiver.log") {
    std::vector<std::string> args = {FindOnPath("node"), kReceiver, "--out",       out_,
                                     "--http-port",      "0",       "--grpc-port", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // no stray receiver if the test itself crashes
      ::dup2(pipe_fds[1], STDOUT_FILENO);
      const int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) ::dup2(log, STDERR_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    ReadPorts(pipe_fds[0]);
    ::close(pipe_fds[0]);
  }
  ~Receiver() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  [[nodiscard]] bool ready() const { return http_port_ > 0 && grpc_port_ > 0; }
  // Why it is not ready, with what the receiver wrote to stderr.
  [[nodiscard]] std::string problem() const {
    return problem_ + "\nreceiver stderr:\n" + testing::ReadFile(log_);
  }

  // The endpoint for `protocol` and `signal`, as the exporter configuration would give it.
  [[nodiscard]] std::string Endpoint(Protocol protocol, Signal signal) const {
    if (protocol == Protocol::kGrpc) return "http://127.0.0.1:" + std::to_string(grpc_port_);
    return "http://127.0.0.1:" + std::to_string(http_port_) +
           (signal == Signal::kTraces ? "/v1/traces" : "/v1/metrics");
  }

  // The accepted (or, with `rejected`, the rejected) requests so far, waiting up to a second
  // for at least `at_least` of them: the receiver may answer before it has written.
  [[nodiscard]] std::vector<nlohmann::json> Records(size_t at_least = 0,
                                                    bool rejected = false) const {
    const auto deadline = steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
      std::vector<nlohmann::json> records;
      std::istringstream in(testing::ReadFile(rejected ? out_ + ".rejected" : out_));
      std::string line;
      while (std::getline(in, line)) {
        auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!json.is_discarded()) records.push_back(std::move(json));
      }
      if (records.size() >= at_least || steady_clock::now() > deadline) return records;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

 private:
  void ReadPorts(int fd) {
    std::string line;
    const auto deadline = steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      pollfd p{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
        problem_ = "the receiver printed no ports within 20 s";
        return;
      }
      char buffer[256];
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) {
        problem_ = "the receiver exited before it was ready: " + line;
        return;
      }
      line.append(buffer, static_cast<size_t>(n));
    }
    const auto ports = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
    if (!ports.is_object() || !ports.contains("http") || !ports.contains("grpc")) {
      problem_ = "the receiver's first line is not {\"http\":PORT,\"grpc\":PORT}: " + line;
      return;
    }
    http_port_ = ports["http"].get<int>();
    grpc_port_ = ports["grpc"].get<int>();
  }

  testing::TempDir dir_;
  std::string out_;
  std::string log_;  // the receiver's stderr
  pid_t pid_ = -1;
  int http_port_ = 0;
  int grpc_port_ = 0;
  std::string problem_;
};

// A loopback port that nothing listens on (bound, then released).
int ClosedPort() {
  const int port = kfm::testing::FreeLoopbackPort();
  if (port == 0) ADD_FAILURE() << "no free loopback port";
  return port;
}

struct Sent {
  std::string body;
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
};

Sent TraceBody() {
  SpanData span;
  span.name = "train-step";
  span.context.trace_id = RandomTraceId();
  span.context.span_id = RandomSpanId();
  span.parent_span_id = RandomSpanId();
  span.start_unix_ns = 1'700'000'000'000'000'000;
  span.end_unix_ns = span.start_unix_ns + 2'500'000'000;
  span.attributes = {{"kfm.node", std::string("train")},
                     {"kfm.attempt", int64_t{3}},
                     {"energy.joules", 12.5},
                     {"kfm.measured", true}};
  Resource resource;
  resource.attributes = {{"service.name", std::string("kfm-transport-test")}};
  Sent sent;
  sent.body = BuildTraceRequest(resource, {span}, "test").SerializeAsString();
  sent.trace_id = ToHex(span.context.trace_id);
  sent.span_id = ToHex(span.context.span_id);
  sent.parent_span_id = ToHex(*span.parent_span_id);
  return sent;
}

std::string MetricsBody() {
  MetricData energy;
  energy.name = "hw.energy";
  energy.unit = "J";
  energy.kind = MetricData::Kind::kSum;
  energy.monotonic = true;
  energy.points = {{{{"hw.id", std::string("cpu0")}}, 1, 2, 42.25}};
  Resource resource;
  resource.attributes = {{"service.name", std::string("kfm-transport-test")}};
  return BuildMetricsRequest(resource, {energy}, "test").SerializeAsString();
}

SignalConfig Config(const std::string& endpoint, Protocol protocol, bool gzip = false) {
  SignalConfig config;
  config.enabled = true;
  config.endpoint = endpoint;
  config.protocol = protocol;
  config.gzip = gzip;
  config.timeout = milliseconds(5000);
  config.headers = {{"X-Api-Key", kApiKey}};
  return config;
}

std::unique_ptr<OtlpTransport> Make(const SignalConfig& config) {
  auto made = MakeTransport(config);
  EXPECT_TRUE(made.ok()) << made.status().message();
  return made.ok() ? std::move(made).value() : nullptr;
}

// Key -> OTLP/JSON AnyValue of the attributes of the first span of a recorded request.
std::map<std::string, nlohmann::json> SpanAttributes(const nlohmann::json& span) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& attribute : span.value("attributes", nlohmann::json::array())) {
    out[attribute.value("key", "")] = attribute.value("value", nlohmann::json::object());
  }
  return out;
}

// The receiver's headers object, with names lower-cased (HTTP/2 and node do so already).
std::string Header(const nlohmann::json& record, const std::string& name) {
  const nlohmann::json headers = record.value("headers", nlohmann::json::object());
  for (const auto& [key, value] : headers.items()) {
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) return value.is_string() ? value.get<std::string>() : value.dump();
  }
  return "";
}

class OtlpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = ReceiverMissing(); !missing.empty()) {
      GTEST_SKIP() << "OTLP reference receiver unavailable: " << missing
                   << " (the bootstrap installs node and the receiver's dependencies)";
    }
  }

  // Starts a receiver; a test that cannot start one fails with the receiver's problem.
  static std::unique_ptr<Receiver> Start(const std::vector<std::string>& flags = {}) {
    auto receiver = std::make_unique<Receiver>(flags);
    EXPECT_TRUE(receiver->ready()) << receiver->problem();
    return receiver;
  }

  // One span over `protocol`, then what the receiver recorded, checked field by field.
  static void DeliversSpan(Protocol protocol, bool gzip) {
    auto receiver = Start();
    if (!receiver->ready()) return;
    auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kTraces), protocol, gzip));
    ASSERT_NE(transport, nullptr);
    const Sent sent = TraceBody();
    const SendResult result = transport->Send(Signal::kTraces, sent.body);
    ASSERT_EQ(result.outcome, Outcome::kAccepted) << result.message;
    EXPECT_EQ(result.rejected, 0);

    const auto records = receiver->Records(1);
    ASSERT_EQ(records.size(), 1u);
    const auto& record = records[0];
    EXPECT_EQ(record.value("signal", ""), "traces");
    EXPECT_EQ(record.value("protocol", ""), ProtocolName(protocol));
    EXPECT_EQ(record.value("gzip", !gzip), gzip);
    EXPECT_EQ(Header(record, "x-api-key"), kApiKey);
    EXPECT_EQ(Header(record, "user-agent").rfind("kfm-energy/", 0), 0u) << record.dump();

    const auto& spans =
        record["request"]["resourceSpans"][0]["scopeSpans"][0].value("spans", nlohmann::json());
    ASSERT_TRUE(spans.is_array() && spans.size() == 1) << record.dump();
    const auto& span = spans[0];
    EXPECT_EQ(span.value("traceId", ""), sent.trace_id);
    EXPECT_EQ(span.value("spanId", ""), sent.span_id);
    EXPECT_EQ(span.value("parentSpanId", ""), sent.parent_span_id);
    EXPECT_EQ(span.value("name", ""), "train-step");
    auto attributes = SpanAttributes(span);
    EXPECT_EQ(attributes["kfm.node"], nlohmann::json({{"stringValue", "train"}}));
    EXPECT_EQ(attributes["kfm.attempt"], nlohmann::json({{"intValue", "3"}}));
    EXPECT_EQ(attributes["energy.joules"], nlohmann::json({{"doubleValue", 12.5}}));
    EXPECT_EQ(attributes["kfm.measured"], nlohmann::json({{"boolValue", true}}));
  }
};

TEST_F(OtlpTransportTest, HttpProtobufDeliversSpan) {
  DeliversSpan(Protocol::kHttpProtobuf, false);
}
TEST_F(OtlpTransportTest, HttpProtobufGzipDeliversSpan) {
  DeliversSpan(Protocol::kHttpProtobuf, true);
}
TEST_F(OtlpTransportTest, HttpJsonDeliversSpan) { DeliversSpan(Protocol::kHttpJson, false); }
TEST_F(OtlpTransportTest, HttpJsonGzipDeliversSpan) { DeliversSpan(Protocol::kHttpJson, true); }
TEST_F(OtlpTransportTest, GrpcDeliversSpan) { DeliversSpan(Protocol::kGrpc, false); }
TEST_F(OtlpTransportTest, GrpcGzipDeliversSpan) { DeliversSpan(Protocol::kGrpc, true); }

TEST_F(OtlpTransportTest, EveryProtocolDeliversMetrics) {
  auto receiver = Start();
  if (!receiver->ready()) return;
  const std::string body = MetricsBody();
  const Protocol protocols[] = {Protocol::kHttpProtobuf, Protocol::kHttpJson, Protocol::kGrpc};
  for (const Protocol protocol : protocols) {
    auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kMetrics), protocol));
    ASSERT_NE(transport, nullptr);
    const SendResult result = transport->Send(Signal::kMetrics, body);
    EXPECT_EQ(result.outcome, Outcome::kAccepted)
        << ProtocolName(protocol) << ": " << result.message;
  }
  const auto records = receiver->Records(3);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& record : records) {
    EXPECT_EQ(record.value("signal", ""), "metrics") << record.dump();
    const auto& metric = record["request"]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0];
    EXPECT_EQ(metric.value("name", ""), "hw.energy") << record.dump();
    EXPECT_EQ(metric["sum"]["dataPoints"][0].value("asDouble", 0.0), 42.25) << record.dump();
  }
}

TEST_F(OtlpTransportTest, KeepsTheConnectionForRepeatedSends) {
  auto receiver = Start();
  if (!receiver->ready()) return;
  for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kGrpc}) {
    auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kTraces), protocol));
    ASSERT_NE(transport, nullptr);
    for (int i = 0; i < 3; ++i) {
      const SendResult result = transport->Send(Signal::kTraces, TraceBody().body);
      EXPECT_EQ(result.outcome, Outcome::kAccepted) << result.message;
    }
  }
  EXPECT_EQ(receiver->Records(6).size(), 6u);
}

// 503 (gRPC UNAVAILABLE) and 429 (gRPC RESOURCE_EXHAUSTED, retryable only because the
// receiver adds RetryInfo) with the server's delay: Retry-After on HTTP, RetryInfo on gRPC.
TEST_F(OtlpTransportTest, UnavailableAndThrottledAreRetryableWithTheServersDelay) {
  for (const std::string status : {"503", "429"}) {
    for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kGrpc}) {
      SCOPED_TRACE(std::string(ProtocolName(protocol)) + " " + status);
      auto receiver = Start({"--fail-first", "1", "--fail-status", status, "--retry-after", "2"});
      if (!receiver->ready()) return;
      auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kTraces), protocol));
      ASSERT_NE(transport, nullptr);
      const Sent sent = TraceBody();
      const SendResult first = transport->Send(Signal::kTraces, sent.body);
      EXPECT_EQ(first.outcome, Outcome::kRetryable) << first.message;
      ASSERT_TRUE(first.retry_after.has_value()) << first.message;
      EXPECT_EQ(*first.retry_after, std::chrono::seconds(2));
      EXPECT_EQ(first.message.find(kApiKey), std::string::npos);
      const SendResult second = transport->Send(Signal::kTraces, sent.body);
      EXPECT_EQ(second.outcome, Outcome::kAccepted) << second.message;
      EXPECT_EQ(receiver->Records(1).size(), 1u);
    }
  }
}

TEST_F(OtlpTransportTest, BadRequestIsRefusedAndNothingIsRecorded) {
  for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kHttpJson, Protocol::kGrpc}) {
    SCOPED_TRACE(ProtocolName(protocol));
    auto receiver = Start({"--reject-status", "400"});
    if (!receiver->ready()) return;
    auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kTraces), protocol));
    ASSERT_NE(transport, nullptr);
    const SendResult result = transport->Send(Signal::kTraces, TraceBody().body);
    EXPECT_EQ(result.outcome, Outcome::kRefused) << result.message;
    EXPECT_FALSE(result.retry_after.has_value());
    if (protocol != Protocol::kGrpc) {
      EXPECT_EQ(result.message.rfind("HTTP 400", 0), 0u) << result.message;
    }
    EXPECT_EQ(result.message.find(kApiKey), std::string::npos) << result.message;
    EXPECT_TRUE(receiver->Records().empty());
  }
}

TEST_F(OtlpTransportTest, SlowCollectorTimesOutAsRetryable) {
  for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kGrpc}) {
    SCOPED_TRACE(ProtocolName(protocol));
    auto receiver = Start({"--delay-ms", "3000"});
    if (!receiver->ready()) return;
    auto config = Config(receiver->Endpoint(protocol, Signal::kTraces), protocol);
    config.timeout = milliseconds(500);
    auto transport = Make(config);
    ASSERT_NE(transport, nullptr);
    const auto start = steady_clock::now();
    const SendResult result = transport->Send(Signal::kTraces, TraceBody().body);
    const auto took = steady_clock::now() - start;
    EXPECT_EQ(result.outcome, Outcome::kRetryable) << result.message;
    EXPECT_LT(took, milliseconds(1500)) << result.message;
  }
}

// No receiver needed: a closed port.
TEST(OtlpTransportOfflineTest, NothingListeningIsRetryableAtOnce) {
  const std::string port = std::to_string(ClosedPort());
  for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kHttpJson, Protocol::kGrpc}) {
    SCOPED_TRACE(ProtocolName(protocol));
    const std::string endpoint = protocol == Protocol::kGrpc
                                     ? "http://127.0.0.1:" + port
                                     : "http://127.0.0.1:" + port + "/v1/traces";
    auto transport = Make(Config(endpoint, protocol));
    ASSERT_NE(transport, nullptr);
    const auto start = steady_clock::now();
    const SendResult result = transport->Send(Signal::kTraces, TraceBody().body);
    EXPECT_EQ(result.outcome, Outcome::kRetryable) << result.message;
    EXPECT_LT(steady_clock::now() - start, milliseconds(1500)) << result.message;
    EXPECT_NE(result.message.find("127.0.0.1:" + port), std::string::npos) << result.message;
    EXPECT_EQ(result.message.find(kApiKey), std::string::npos) << result.message;
  }
}

TEST_F(OtlpTransportTest, PartialSuccessReportsTheRejectedCount) {
  for (const Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kHttpJson, Protocol::kGrpc}) {
    SCOPED_TRACE(ProtocolName(protocol));
    auto receiver = Start({"--partial-rejected", "2"});
    if (!receiver->ready()) return;
    auto transport = Make(Config(receiver->Endpoint(protocol, Signal::kTraces), protocol));
    ASSERT_NE(transport, nullptr);
    const SendResult result = transport->Send(Signal::kTraces, TraceBody().body);
    EXPECT_EQ(result.outcome, Outcome::kAccepted) << result.message;
    EXPECT_EQ(result.rejected, 2);
    EXPECT_FALSE(result.partial_message.empty());
  }
}

#else

TEST(OtlpTransportTest, NeedsTheGeneratedProtoHeaders) {
  FAIL() << "kfm_integration_tests cannot see the generated OTLP headers (proto/gen): add "
            "them to its include directories; the receiver tests were not compiled";
}

#endif  // KFM_HAVE_OTLP_PROTO_HEADERS

TEST(OtlpTransportConfigTest, RefusesUnusableEndpointsAndHeaders) {
  SignalConfig config;
  config.protocol = Protocol::kHttpProtobuf;
  config.endpoint = "localhost:4318";
  EXPECT_FALSE(MakeTransport(config).ok());
  config.endpoint = "http://localhost:4318/v1/traces";
  config.headers = {{"x-api-key", std::string("line\r\nInjected: yes")}};
  const auto bad_header = MakeTransport(config);
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.status().message().find("Injected"), std::string::npos);
  config.protocol = Protocol::kGrpc;
  config.endpoint = "http://";
  config.headers.clear();
  EXPECT_FALSE(MakeTransport(config).ok());
  config.endpoint = "localhost:4317";
  config.insecure = true;
  EXPECT_TRUE(MakeTransport(config).ok());
}

TEST(OtlpTransportHelpersTest, ParsesRetryAfterSecondsAndDates) {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);
  EXPECT_EQ(ParseRetryAfter("2", now), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), milliseconds(120'000));
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now), milliseconds(5000));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", now).has_value());
}

TEST(OtlpTransportHelpersTest, GzipRoundTrips) {
  const std::string text(10'000, 'x');
  auto compressed = GzipCompress(text);
  ASSERT_TRUE(compressed.ok());
  ASSERT_GE(compressed->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*compressed)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*compressed)[1]), 0x8b);
  z_stream stream{};
  ASSERT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(text.size() + 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(compressed->data());
  stream.avail_in = static_cast<uInt>(compressed->size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  EXPECT_EQ(out, text);
}

// A serialized google.rpc.Status built field by field (the definitions are not compiled here).
std::string RpcStatus(int code, const std::string& message, std::optional<int64_t> retry_s) {
  google::protobuf::UnknownFieldSet status;
  status.AddVarint(1, static_cast<uint64_t>(code));
  status.AddLengthDelimited(2, message);
  if (retry_s) {
    google::protobuf::UnknownFieldSet duration, retry_info, any;
    duration.AddVarint(1, static_cast<uint64_t>(*retry_s));
    duration.AddVarint(2, 500'000'000);
    std::string bytes;
    duration.SerializeToString(&bytes);
    retry_info.AddLengthDelimited(1, bytes);
    bytes.clear();
    retry_info.SerializeToString(&bytes);
    any.AddLengthDelimited(1, "type.googleapis.com/google.rpc.RetryInfo");
    any.AddLengthDelimited(2, bytes);
    bytes.clear();
    any.SerializeToString(&bytes);
    status.AddLengthDelimited(3, bytes);
  }
  std::string out;
  status.SerializeToString(&out);
  return out;
}

TEST(OtlpTransportHelpersTest, ReadsRpcStatusMessagesAndRetryInfo) {
  const std::string status = RpcStatus(8, "slow down", 3);
  EXPECT_EQ(RpcStatusMessage(status, "application/x-protobuf"), "slow down");
  EXPECT_EQ(RpcStatusMessage(R"({"code":3,"message":"bad span"})", "application/json"), "bad span");
  EXPECT_FALSE(RpcStatusMessage("<html>oops</html>", "text/html").has_value());
  EXPECT_EQ(RetryDelayFromStatusDetails(status), milliseconds(3500));
  EXPECT_FALSE(RetryDelayFromStatusDetails(RpcStatus(8, "no hint", std::nullopt)).has_value());
  EXPECT_FALSE(RetryDelayFromStatusDetails("").has_value());
}

TEST(OtlpTransportHelpersTest, GrpcEndpointsLoseTheirScheme) {
  auto plain = ParseGrpcEndpoint("http://collector:4317/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->authority, "collector:4317");
  EXPECT_TRUE(plain->plaintext);
  auto tls = ParseGrpcEndpoint("https://collector:4317");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->authority, "collector:4317");
  EXPECT_FALSE(tls->plaintext);
  auto bare = ParseGrpcEndpoint("collector:4317");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->authority, "collector:4317");
  EXPECT_FALSE(ParseGrpcEndpoint("https://").ok());
}

}  // namespace
}  // namespace kfm::otel
