// Regression (found by fuzz/pipeline_yaml_fuzz.cc): a pipeline file holding a lone "," made
// yaml-cpp 0.7's LoadAll return an endless run of empty documents, so `pipeline run` and
// `pipeline check` never ended and grew without bound. The loader now counts documents with a
// bound and refuses the file, naming it with line and column.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "pipeline/pipeline_file.h"

namespace {

// The loader's message for `yaml`, or "(did not return)" after five seconds.
std::string ErrorWithin5s(const std::string& yaml) {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto result = promise->get_future();
  std::thread([promise, yaml] {
    auto spec = kfm::pipeline::ParsePipeline(yaml, "p.yaml");
    promise->set_value(spec.ok() ? "(accepted)" : spec.status().message());
  }).detach();
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    return "(did not return)";
  }
  return result.get();
}

TEST(PipelineYamlHangTest, LoneCommaIsRefusedNotAnEndlessLoad) {
  const std::string message = ErrorWithin5s(",");
  EXPECT_EQ(message.rfind("p.yaml:1:", 0), 0u) << message;
  EXPECT_NE(message.find("expected one YAML document"), std::string::npos) << message;
}

TEST(PipelineYamlHangTest, CommaAfterAValidPipelineIsRefused) {
  const std::string message = ErrorWithin5s("pipeline: x\nnodes: {a: {run: [e]}}\n,\n");
  EXPECT_EQ(message.rfind("p.yaml:", 0), 0u) << message;
  EXPECT_NE(message, "(accepted)");
  EXPECT_NE(message, "(did not return)");
}

}  // namespace
