#include "rollup/waivers.h"

#include <cstdio>
#include <ctime>

#include "rollup/yaml_errors.h"

namespace kfm::rollup {
namespace {

bool IsGateMetric(std::string_view name) {
  return name == "gco2e_per_record" || name == "j_per_record" || name == "gco2e_per_node";
}

// "2026-12-31" -> the Unix time at the end of that UTC day, if it is a real date.
std::optional<std::int64_t> EndOfUtcDay(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  const std::time_t t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_year != y - 1900 || back.tm_mon != m - 1 || back.tm_mday != d) return std::nullopt;
  return (static_cast<std::int64_t>(t) + 86400) * 1'000'000'000;
}

}  // namespace

std::string_view GateMetricNames() { return "gco2e_per_record, j_per_record, gco2e_per_node"; }

Result<WaiverFile> ParseWaiverFile(std::string_view yaml, const std::filesystem::path& path) {
  const std::string file = path.string();
  auto doc = LoadSingleKeyDocument(yaml, file, "waivers");
  if (!doc.ok()) return doc.status();
  const YAML::Node& list = doc.value().value;
  WaiverFile out;
  out.path = file;
  if (!list.IsDefined() || list.IsNull()) return out;  // an empty file waives nothing
  if (!list.IsSequence()) {
    return YamlError(file, list.Mark(), "waivers",
                     "expected a list of waivers, got " + DescribeYaml(list));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string field = "waivers[" + std::to_string(i) + "]";
    if (!entry.IsMap()) {
      return YamlError(file, entry.Mark(), field,
                       "expected a map with metric, pipeline/node, reason, expires");
    }
    Waiver w;
    w.where = file + ":" + std::to_string(entry.Mark().line + 1);
    YAML::Mark expires_mark = entry.Mark();
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string key_field = field + "." + key;
      const YAML::Mark mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
      if (!it->second.IsScalar() || it->second.Scalar().empty()) {
        if (key == "metric" || key == "pipeline" || key == "node" || key == "reason" ||
            key == "expires") {
          return YamlError(file, mark, key_field, "expected text, got " + DescribeYaml(it->second));
        }
      }
      if (key == "metric") {
        w.metric = it->second.Scalar();
        if (!IsGateMetric(w.metric)) {
          return YamlError(
              file, mark, key_field,
              "unknown metric '" + w.metric + "'; known: " + std::string(GateMetricNames()));
        }
      } else if (key == "pipeline") {
        w.pipeline = it->second.Scalar();
      } else if (key == "node") {
        w.node = it->second.Scalar();
      } else if (key == "reason") {
        w.reason = it->second.Scalar();
      } else if (key == "expires") {
        w.expires = it->second.Scalar();
        expires_mark = mark;
        auto end = EndOfUtcDay(w.expires);
        if (!end) {
          return YamlError(file, mark, key_field,
                           "expected a date YYYY-MM-DD, got '" + w.expires + "'");
        }
        w.expires_end_unix_nano = *end;
      } else {
        return YamlError(file, it->first.Mark(), key_field,
                         "unknown key; known keys: metric, pipeline, node, reason, expires");
      }
    }
    for (const auto& [value, name] :
         {std::pair{&w.metric, "metric"}, std::pair{&w.reason, "reason"},
          std::pair{&w.expires, "expires"}}) {
      if (value->empty()) {
        return YamlError(file, entry.Mark(), field + "." + name,
                         "missing: every waiver needs metric, reason and expires");
      }
    }
    if (w.pipeline.empty() && w.node.empty()) {
      return YamlError(file, entry.Mark(), field,
                       "needs `pipeline`, `node` or both: which figure is waived");
    }
    out.waivers.push_back(std::move(w));
  }
  return out;
}

Result<WaiverFile> LoadWaiverFile(const std::filesystem::path& path) {
  return ParseTextFile(path, &ParseWaiverFile);
}

}  // namespace kfm::rollup
