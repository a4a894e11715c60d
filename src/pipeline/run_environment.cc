#include "pipeline/run_environment.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <ctime>

#include "otel/bundle.h"
#include "otel/pushgateway.h"

namespace kfm::pipeline {

Result<RunEnvironment> RunEnvironmentFromEnv() {
  RunEnvironment env;
  if (const char* id = std::getenv("KFM_RUN_ID"); id != nullptr && *id != '\0') {
    env.run_id = id;
    if (Status s = otel::CheckPathComponent("KFM_RUN_ID", env.run_id); !s.ok()) return s;
  } else {
    env.run_id = GenerateRunId();
    env.run_id_generated = true;
  }
  env.home = otel::HomeFromEnv();
  auto tables = carbon::LoadTablesFromEnv();
  if (!tables.ok()) return tables.status();
  env.tables = std::move(*tables);
  env.region = carbon::RegionFromEnv();
  if (auto factor = env.tables->Lookup(env.region, std::time(nullptr)); !factor.ok())
    return factor.status();
  auto embodied = carbon::LoadEmbodied(env.home / "host.json");
  if (!embodied.ok()) return embodied.status();
  env.embodied = *embodied;
  auto meter = meter::MeterConfig::FromEnv();
  if (!meter.ok()) return meter.status();
  env.meter = std::move(*meter);
  auto exporter = otel::ExporterConfigFromEnv();
  if (!exporter.ok()) return exporter.status();
  env.exporter = std::move(*exporter);
  auto pushgateway = otel::PushgatewayUrlFromEnv();
  if (!pushgateway.ok()) return pushgateway.status();
  env.pushgateway_url = std::move(*pushgateway);
  if (const char* tp = std::getenv("TRACEPARENT"); tp != nullptr && *tp != '\0') {
    env.parent = otel::ParseTraceparent(tp);
    if (!env.parent) {
      env.warnings.push_back("ignoring malformed TRACEPARENT '" + std::string(tp) + "'");
    } else if (const char* ts = std::getenv("TRACESTATE"); ts != nullptr) {
      env.trace_state = ts;
    }
  }
  char host[HOST_NAME_MAX + 1] = {};
  ::gethostname(host, sizeof(host) - 1);
  env.hostname = host;
  return env;
}

NodeRunRequest MakeNodeRequest(const RunEnvironment& env, const meter::SelectedSources& sources,
                               std::string_view accounting_kind, const std::string& node,
                               const std::string& domain, const std::string& pipeline_kind,
                               std::vector<std::string> command, const std::string& service_name) {
  NodeRunRequest request;
  request.meta.run_id = env.run_id;
  request.meta.node = node;
  request.meta.domain = domain;
  request.meta.pipeline_kind = pipeline_kind;
  request.meta.command = std::move(command);
  request.meta.cpu_method = sources.cpu_method;
  request.meta.dram_method = sources.dram_method;
  request.meta.gpu_method = sources.gpu_method;
  request.meta.cpu_accounting = std::string(accounting_kind);
  request.meta.sample_interval = env.meter.sample_interval;
  request.meta.hostname = env.hostname;
  request.service_name = service_name.empty() ? "kfm.etl." + node : service_name;
  request.home = env.home;
  request.parent = env.parent;
  request.trace_state = env.trace_state;
  request.tables = env.tables;
  request.region = env.region;
  request.embodied = env.embodied;
  return request;
}

}  // namespace kfm::pipeline
