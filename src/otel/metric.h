// The metric data kfm-energy exports (gauges and sums of doubles), independent of any wire
// format, and the energy metrics of one node following the OpenTelemetry hardware semantic
// conventions (hw.energy, hw.power). Values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "otel/span.h"

namespace kfm::otel {

struct MetricPoint {
  Attributes attributes;
  int64_t start_unix_ns = 0;
  int64_t time_unix_ns = 0;
  double value = 0;
};

struct MetricData {
  enum class Kind { kGauge, kSum };
  std::string name;
  std::string description;
  std::string unit;  // UCUM: "J", "W", "g", "{record}"
  Kind kind = Kind::kGauge;
  bool monotonic = false;  // sums only; delta temporality (a node's energy over its span)
  std::vector<MetricPoint> points;
};

}  // namespace kfm::otel
