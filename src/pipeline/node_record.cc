#include "pipeline/node_record.h"

#include <sys/random.h>

#include <cstdio>
#include <ctime>

#include "otel/redact.h"

namespace kfm::pipeline {
namespace {

bool IsModelled(const std::string& method) { return method.rfind("model-", 0) == 0; }

}  // namespace

std::string FormatFixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  return buffer;
}

std::string FormatSignificant(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

std::string FormatUtc(int64_t unix_ns) {
  const time_t seconds = static_cast<time_t>(unix_ns / 1000000000LL);
  const long micros = static_cast<long>((unix_ns % 1000000000LL) / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buffer;
}

std::string GenerateRunId() {
  const time_t now = std::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  unsigned char random[3] = {};
  if (::getrandom(random, sizeof(random), 0) != sizeof(random))
    random[0] = static_cast<unsigned char>(now);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d%02d%02dT%02d%02d%02dZ-%02x%02x%02x",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                random[0], random[1], random[2]);
  return buffer;
}

carbon::NodeCarbonInput CarbonInput(const NodeMeta& meta, const meter::NodeMeasurement& m,
                                    const NodeReport& report, const otel::SpanContext& context,
                                    const std::string& region,
                                    const std::optional<carbon::Embodied>& embodied) {
  carbon::NodeCarbonInput in;
  in.node = meta.node;
  in.trace_id = otel::ToHex(context.trace_id);
  in.span_id = otel::ToHex(context.span_id);
  in.start_time = FormatUtc(m.start_unix_ns);
  in.end_time = FormatUtc(m.end_unix_ns);
  in.duration_s = m.duration.count();
  in.region = region;
  for (const auto& hour : m.energy.hours) {
    in.hours.push_back({hour.hour_start_s, Joules(hour.cpu_j + hour.dram_j + hour.gpu_j)});
  }
  if (in.hours.empty()) {  // no energy at all: the factor of the hour the node started in
    const int64_t start_s = m.start_unix_ns / 1000000000LL;
    in.hours.push_back({start_s - start_s % 3600, Joules(0)});
  }
  in.records_out = report.records_out;
  in.embodied = embodied;
  in.energy_modelled = IsModelled(meta.cpu_method) || IsModelled(meta.dram_method) ||
                       m.energy.substituted_intervals > 0;
  return in;
}

NodeFigures ComputeFigures(const meter::NodeMeasurement& m, const NodeReport& report,
                           const carbon::NodeCarbon& carbon) {
  NodeFigures f;
  const auto& e = m.energy;
  f.cpu_j = e.cpu_j;
  f.package_j = e.package_j;
  f.dram_j = e.dram_j;
  f.dram_measured_j = e.dram_measured_j;
  f.gpu_j = e.gpu_j;
  f.gpu_measured_j = e.gpu_measured_j;
  f.total_j = e.cpu_j + e.dram_j + e.gpu_j;
  f.duration_s = m.duration.count();
  f.gpu_w_avg = (Joules(e.gpu_j) / m.duration).value();
  // Time-resolved: each hour's joules at the intensity in force then (carbon/node_carbon.h).
  f.gco2e = carbon.operational.value();
  if (report.records_out && *report.records_out > 0) {
    f.j_per_record = f.total_j / static_cast<double>(*report.records_out);
  }
  f.gco2e_per_record = carbon.gco2e_per_record;  // SCI: (E x I + M) / R
  return f;
}

otel::SpanData BuildNodeSpan(const NodeMeta& meta, const meter::NodeMeasurement& m,
                             const NodeFigures& f, const NodeReport& report,
                             const NodeOutcome& outcome, const carbon::NodeCarbon& carbon,
                             const otel::SpanContext& context,
                             const std::optional<otel::SpanId>& parent) {
  otel::SpanData span;
  span.name = "etl.node." + meta.node;
  span.context = context;
  span.parent_span_id = parent;
  span.start_unix_ns = m.start_unix_ns;
  span.end_unix_ns = m.end_unix_ns;
  auto& a = span.attributes;
  auto set = [&a](const std::string& key, otel::AttributeValue value) {
    a.emplace_back(key, std::move(value));
  };
  set("kfm.run_id", meta.run_id);
  set("kfm.node", meta.node);
  set("kfm.component", meta.component);
  set("kfm.domain", meta.domain);
  set("kfm.pipeline_kind", meta.pipeline_kind);
  set("kfm.hostname", meta.hostname);
  set("energy.cpu_j", f.cpu_j);
  set("energy.cpu_method", meta.cpu_method);
  set("energy.cpu_pkg_j", f.package_j);
  set("energy.dram_j", f.dram_j);
  set("energy.dram_method", meta.dram_method);
  set("energy.gpu_j", f.gpu_j);
  set("energy.gpu_w_avg", f.gpu_w_avg);
  set("energy.gpu_method", meta.gpu_method);
  set("energy.total_j", f.total_j);
  set("energy.modelled", IsModelled(meta.cpu_method) || IsModelled(meta.dram_method) ||
                             m.energy.substituted_intervals > 0);
  set("energy.substituted_intervals", static_cast<int64_t>(m.energy.substituted_intervals));
  set("energy.samples", static_cast<int64_t>(m.samples));
  set("energy.cpu_accounting", meta.cpu_accounting);
  set("util.cpu_pct", m.cpu_util_pct);
  set("timing.duration_s", f.duration_s);
  set("carbon.gco2e", f.gco2e);
  set("carbon.intensity_gco2_per_kwh", carbon.intensity.value());
  set("carbon.region", carbon.input.region);
  set("carbon.factor_resolution", std::string(carbon::ResolutionName(carbon.summary.resolution)));
  set("carbon.table_id", carbon.summary.table->meta.id);
  set("carbon.table_version", carbon.summary.table->meta.version);
  set("carbon.table_sha256", carbon.summary.table->sha256);
  if (carbon.embodied.value() > 0) set("sci.embodied_gco2e", carbon.embodied.value());
  // CI/CD semantic conventions, so CI/CD-aware backends group node spans as pipeline tasks.
  set("cicd.pipeline.run.id", meta.run_id);
  set("cicd.pipeline.task.name", meta.node);
  if (report.records_out) set("kfm.records_out", *report.records_out);
  if (report.bytes_out) set("kfm.bytes_out", *report.bytes_out);
  if (f.j_per_record) set("efficiency.j_per_record", *f.j_per_record);
  if (f.gco2e_per_record) set("sci.gco2e_per_record", *f.gco2e_per_record);
  if (outcome.signal != 0) {
    set("process.exit.signal", static_cast<int64_t>(outcome.signal));
  } else {
    set("process.exit.code", static_cast<int64_t>(outcome.exit_code));
  }
  for (const auto& note : m.notes) {
    span.events.push_back({"kfm.energy.source_failed", m.end_unix_ns, {{"message", note}}});
  }
  if (!outcome.error.empty()) {
    span.status = otel::StatusCode::kError;
    span.status_message = outcome.error;
  } else if (outcome.signal != 0) {
    span.status = otel::StatusCode::kError;
    span.status_message = "killed by signal " + std::to_string(outcome.signal);
  } else if (outcome.exit_code != 0) {
    span.status = otel::StatusCode::kError;
    span.status_message = "exit code " + std::to_string(outcome.exit_code);
  }
  return span;
}

nlohmann::json BuildEnergyRecord(const NodeMeta& meta, const meter::NodeMeasurement& m,
                                 const NodeFigures& f, const NodeReport& report,
                                 const NodeOutcome& outcome, const otel::SpanContext& context) {
  const bool substituted = m.energy.substituted_intervals > 0;
  nlohmann::json record = {
      {"node", meta.node},
      {"trace_id", otel::ToHex(context.trace_id)},
      {"span_id", otel::ToHex(context.span_id)},
      {"hostname", meta.hostname},
      {"domain", meta.domain},
      {"pipeline_kind", meta.pipeline_kind},
      {"command", otel::RedactCommand(meta.command)},  // secrets never recorded
      {"start_time", FormatUtc(m.start_unix_ns)},
      {"end_time", FormatUtc(m.end_unix_ns)},
      {"duration_s", f.duration_s},
      {"status",
       outcome.error.empty() && outcome.signal == 0 && outcome.exit_code == 0 ? "ok" : "error"},
      {"cpu",
       {{"method", meta.cpu_method},
        {"modelled", IsModelled(meta.cpu_method) || substituted},
        {"attributed_j", f.cpu_j},
        {"package_j", f.package_j},
        {"util_pct", m.cpu_util_pct}}},
      {"dram",
       {{"method", meta.dram_method},
        {"modelled", IsModelled(meta.dram_method) || substituted},
        {"attributed_j", f.dram_j},
        {"measured_j", f.dram_measured_j}}},
      {"gpu",
       {{"method", meta.gpu_method},
        {"modelled", false},
        {"attributed_j", f.gpu_j},
        {"measured_j", f.gpu_measured_j},
        {"w_avg", f.gpu_w_avg}}},
      {"total_j", f.total_j},
  };
  if (outcome.signal != 0) {
    record["signal"] = outcome.signal;
  } else {
    record["exit_code"] = outcome.exit_code;
  }
  if (report.records_out) record["records_out"] = *report.records_out;
  if (report.bytes_out) record["bytes_out"] = *report.bytes_out;
  if (f.j_per_record) record["j_per_record"] = *f.j_per_record;
  // Dataset versions the node reported: what lineage (PROV-O, STAC) builds on.
  if (!report.datasets.empty()) {
    nlohmann::json datasets = nlohmann::json::array();
    for (const auto& d : report.datasets)
      datasets.push_back(
          {{"name", d.name},
           {"version", d.version},
           {"uri", otel::RedactUrl(d.uri)},  // a password in a URI stays out of the files
           {"sha256", d.sha256}});
    record["datasets"] = std::move(datasets);
  }
  nlohmann::json channels = nlohmann::json::array();
  for (size_t c = 0; c < m.channels.size(); ++c) {
    channels.push_back({{"id", m.channels[c].id},
                        {"domain", std::string(meter::DomainName(m.channels[c].domain))},
                        {"method", m.channels[c].method},
                        {"modelled", m.channels[c].modelled},
                        {"measured_j", m.energy.channel_measured_j[c]},
                        {"attributed_j", m.energy.channel_attributed_j[c]}});
  }
  record["channels"] = std::move(channels);
  nlohmann::json hours = nlohmann::json::array();
  for (const auto& h : m.energy.hours) {
    hours.push_back({{"start", FormatUtc(h.hour_start_s * 1000000000LL).substr(0, 19) + "Z"},
                     {"cpu_j", h.cpu_j},
                     {"dram_j", h.dram_j},
                     {"gpu_j", h.gpu_j}});
  }
  record["hours"] = std::move(hours);
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& note : m.notes) notes.push_back(note);
  for (const auto& problem : report.problems) notes.push_back(problem);
  if (!outcome.error.empty()) notes.push_back(outcome.error);
  record["sampler"] = {{"interval_ms", meta.sample_interval.count()},
                       {"samples", m.samples},
                       {"cpu_accounting", meta.cpu_accounting},
                       {"substituted_intervals", m.energy.substituted_intervals},
                       {"notes", std::move(notes)}};
  return record;
}

std::vector<otel::MetricData> BuildNodeMetrics(const NodeMeta& meta,
                                               const meter::NodeMeasurement& m,
                                               const NodeFigures& f, const NodeReport& report,
                                               const carbon::NodeCarbon& carbon) {
  const otel::Attributes common = {{"kfm.run_id", meta.run_id},
                                   {"kfm.node", meta.node},
                                   {"kfm.domain", meta.domain},
                                   {"kfm.pipeline_kind", meta.pipeline_kind},
                                   {"kfm.hostname", meta.hostname}};
  auto point = [&](otel::Attributes extra, double value) {
    otel::MetricPoint p;
    p.attributes = common;
    p.attributes.insert(p.attributes.end(), extra.begin(), extra.end());
    p.start_unix_ns = m.start_unix_ns;
    p.time_unix_ns = m.end_unix_ns;
    p.value = value;
    return p;
  };
  otel::MetricData energy{"hw.energy", "Energy attributed to the node, per device",
                          "J",         otel::MetricData::Kind::kSum,
                          true,        {}};
  otel::MetricData power{"hw.power", "The node's average power, per device",
                         "W",        otel::MetricData::Kind::kGauge,
                         false,      {}};
  for (size_t c = 0; c < m.channels.size(); ++c) {
    const auto& channel = m.channels[c];
    if (!meter::CountsTowardTotal(channel.domain)) continue;
    const char* type = channel.domain == meter::Domain::kGpu    ? "gpu"
                       : channel.domain == meter::Domain::kDram ? "memory"
                                                                : "cpu";
    const double joules = m.energy.channel_attributed_j[c];
    otel::Attributes device = {{"hw.id", channel.id},
                               {"hw.type", std::string(type)},
                               {"energy.method", channel.method},
                               {"energy.modelled", channel.modelled}};
    energy.points.push_back(point(device, joules));
    power.points.push_back(point(device, (Joules(joules) / m.duration).value()));
  }
  std::vector<otel::MetricData> metrics = {std::move(energy), std::move(power)};
  metrics.push_back({"kfm.carbon.gco2e",
                     "Grams of CO2e attributed to the node",
                     "g",
                     otel::MetricData::Kind::kSum,
                     true,
                     {point({{"carbon.region", carbon.input.region},
                             {"carbon.factor_resolution",
                              std::string(carbon::ResolutionName(carbon.summary.resolution))}},
                            f.gco2e)}});
  if (report.records_out) {
    metrics.push_back({"kfm.records_out",
                       "Records the node reported",
                       "{record}",
                       otel::MetricData::Kind::kSum,
                       true,
                       {point({}, static_cast<double>(*report.records_out))}});
  }
  return metrics;
}

}  // namespace kfm::pipeline
