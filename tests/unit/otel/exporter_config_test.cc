#include "otel/exporter_config.h"

#include <gtest/gtest.h>

#include <map>

namespace kfm::otel {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  Getenv getenv() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(ExporterConfigTest, NothingSetExportsNothing) {
  FakeEnv env;
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->traces.enabled);
  EXPECT_FALSE(config->metrics.enabled);
  EXPECT_EQ(config->traces.protocol, Protocol::kHttpProtobuf);
  EXPECT_EQ(config->batch.max_queue_size, 2048);
  EXPECT_EQ(config->batch.schedule_delay.count(), 5000);
  EXPECT_EQ(config->batch.export_timeout.count(), 30000);
  EXPECT_EQ(config->batch.max_export_batch_size, 512);
  EXPECT_EQ(config->traces.timeout.count(), 10000);
}

TEST(ExporterConfigTest, GenericEndpointGetsSignalPathPerSignalIsUsedAsIs) {
  FakeEnv env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"},
               {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://m.example/custom"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->traces.enabled);
  EXPECT_EQ(config->traces.endpoint, "http://collector:4318/v1/traces");
  EXPECT_EQ(config->metrics.endpoint, "https://m.example/custom");
  EXPECT_TRUE(config->traces.insecure);
  EXPECT_FALSE(config->metrics.insecure);
}

TEST(ExporterConfigTest, GrpcEndpointIsNotSuffixed) {
  FakeEnv env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"},
               {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
               {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->metrics.protocol, Protocol::kGrpc);
  EXPECT_EQ(config->metrics.endpoint, "http://127.0.0.1:4317");
  EXPECT_EQ(config->traces.protocol, Protocol::kHttpJson);
  EXPECT_EQ(config->traces.endpoint, "http://127.0.0.1:4317/v1/traces");
}

TEST(ExporterConfigTest, HeadersArePercentDecodedAndSignalSpecificWins) {
  FakeEnv env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
               {"OTEL_EXPORTER_OTLP_HEADERS", "Api-Key=s%3Dcr%2Cet, tenant = kfm "},
               {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x=1"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok());
  ASSERT_EQ(config->traces.headers.size(), 2u);
  EXPECT_EQ(config->traces.headers[0].first, "api-key");
  EXPECT_EQ(config->traces.headers[0].second, "s=cr,et");
  EXPECT_EQ(config->traces.headers[1].second, "kfm");
  ASSERT_EQ(config->metrics.headers.size(), 1u);
  EXPECT_EQ(ExporterConfig::HeaderNames(config->traces), "api-key, tenant");
}

TEST(ExporterConfigTest, BadValuesNameTheVariableAndNeverTheSecret) {
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
                                          {"OTEL_EXPORTER_OTLP_TIMEOUT", "soon"},
                                          {"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
                                          {"OTEL_TRACES_EXPORTER", "jaeger"},
                                          {"OTEL_SDK_DISABLED", "maybe"},
                                          {"OTEL_BSP_MAX_QUEUE_SIZE", "-5"},
                                          {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}}) {
    FakeEnv env{{{name, value}}};
    auto config = ExporterConfigFromEnv(env.getenv());
    ASSERT_FALSE(config.ok()) << name;
    EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(config.status().message().find(name), std::string::npos) << config.status().message();
  }
  FakeEnv env{{{"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20ok,TOPSECRET"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("TOPSECRET"), std::string::npos);
}

TEST(ExporterConfigTest, SdkDisabledAndNoneTurnExportOff) {
  FakeEnv env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_SDK_DISABLED", "true"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->traces.enabled);
  FakeEnv none{
      {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_METRICS_EXPORTER", "none"}}};
  config = ExporterConfigFromEnv(none.getenv());
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->traces.enabled);
  EXPECT_FALSE(config->metrics.enabled);
}

TEST(ExporterConfigTest, BatchSizeNeverExceedsQueue) {
  FakeEnv env{{{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512"}}};
  auto config = ExporterConfigFromEnv(env.getenv());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->batch.max_export_batch_size, 100);
}

}  // namespace
}  // namespace kfm::otel
