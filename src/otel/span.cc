#include "otel/span.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <string_view>

namespace kfm::otel {
namespace {

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const std::string hex(text.substr(i + 1, 2));
      char* end = nullptr;
      const long value = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

void SetAttribute(Attributes& attributes, const std::string& key, AttributeValue value) {
  for (auto& [k, v] : attributes) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  attributes.emplace_back(key, std::move(value));
}

Resource MakeResource(const std::string& service_name, const std::string& run_id,
                      const std::string& component) {
  Resource resource;
  auto& a = resource.attributes;
  // OTEL_RESOURCE_ATTRIBUTES first, so that our own keys and OTEL_SERVICE_NAME override it as
  // the specification orders.
  if (const char* env = std::getenv("OTEL_RESOURCE_ATTRIBUTES"); env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view pair = rest.substr(0, comma);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos) {
        const std::string key = Trim(pair.substr(0, eq));
        if (!key.empty()) SetAttribute(a, key, PercentDecode(Trim(pair.substr(eq + 1))));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  std::string service = service_name;
  if (const char* env = std::getenv("OTEL_SERVICE_NAME"); env != nullptr && *env != '\0')
    service = env;
  SetAttribute(a, "service.name", service);
  SetAttribute(a, "kfm.run_id", run_id);
  SetAttribute(a, "kfm.component", component);
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) SetAttribute(a, "host.name", std::string(host));
  struct utsname uts {};
  if (::uname(&uts) == 0) {
    std::string arch = uts.machine;
    if (arch == "x86_64") arch = "amd64";
    if (arch == "aarch64") arch = "arm64";
    SetAttribute(a, "host.arch", arch);
    SetAttribute(a, "os.type", std::string("linux"));
    SetAttribute(a, "os.version", std::string(uts.release));
  }
  // host.id: the machine id, as the semantic conventions suggest for Linux.
  if (std::ifstream id("/etc/machine-id"); id) {
    std::string machine_id;
    if (std::getline(id, machine_id) && !machine_id.empty()) SetAttribute(a, "host.id", machine_id);
  }
  SetAttribute(a, "process.pid", static_cast<int64_t>(::getpid()));
  SetAttribute(a, "process.runtime.name", std::string("kfm-energy"));
  SetAttribute(a, "telemetry.sdk.name", std::string("kfm-energy"));
  SetAttribute(a, "telemetry.sdk.language", std::string("cpp"));
  return resource;
}

}  // namespace kfm::otel
