// Field access for the job's readers: members that must be there with the right type, each
// refusal naming the source, line, column and field path. Internal to jobs/usgs_gauges.
// Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "json_input.h"
#include "kfm/status.h"

namespace kfm::jobs::usgs {

class JsonFields {
 public:
  JsonFields(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  [[nodiscard]] Status Error(const JsonPath& path, const std::string& what) const {
    return FieldError(text_, source_, path, what);
  }

  // The member `key` of `object`, or nullptr when `object` is no object or lacks it.
  static const nlohmann::json* Find(const nlohmann::json& object, const char* key);

  // The member `key` of `object` (at `path`), which must exist with the given kind.
  Result<const nlohmann::json*> Object(const nlohmann::json& object, const JsonPath& path,
                                       const char* key) const;
  Result<const nlohmann::json*> Array(const nlohmann::json& object, const JsonPath& path,
                                      const char* key) const;
  // A non-empty string.
  Result<std::string> String(const nlohmann::json& object, const JsonPath& path,
                             const char* key) const;

 private:
  Result<const nlohmann::json*> Member(const nlohmann::json& object, const JsonPath& path,
                                       const char* key, nlohmann::json::value_t type,
                                       const char* type_name) const;
  std::string_view text_;
  const std::string& source_;
};

}  // namespace kfm::jobs::usgs
