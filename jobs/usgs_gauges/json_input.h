// Reading the job's JSON inputs so that a refusal can point at the spot: parsing with the line
// and column of a syntax error, the path of a field ("value.timeSeries[2].values[0].value[5]
// .dateTime") and the line and column where it sits in the text. Paths and positions are
// only built when something is wrong. Pure functions and values; thread-compatible.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/status.h"

namespace kfm::jobs::usgs {

class JsonPath {
 public:
  JsonPath() = default;
  [[nodiscard]] JsonPath Key(std::string_view key) const;
  [[nodiscard]] JsonPath Index(size_t index) const;
  // "value.timeSeries[2].sourceInfo"; "(document)" for the empty path.
  [[nodiscard]] std::string ToString() const;

  struct Step {
    std::string key;  // empty for an index step
    size_t index = 0;
    bool is_index = false;
  };
  [[nodiscard]] const std::vector<Step>& steps() const { return steps_; }

 private:
  std::vector<Step> steps_;
};

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

TextPosition PositionOfOffset(std::string_view text, size_t offset);

// Where the value at `path` starts in `text`, which must be valid JSON. Where the path does
// not exist (a missing field), the start of the deepest value on it that does.
TextPosition LocateJsonPath(std::string_view text, const JsonPath& path);

// The document, or InvalidArgument "<source>:<line>:<column>: malformed JSON: <why>".
Result<nlohmann::json> ParseJson(std::string_view text, const std::string& source);

// InvalidArgument "<source>:<line>:<column>: field '<path>': <what>".
Status FieldError(std::string_view text, const std::string& source, const JsonPath& path,
                  const std::string& what);

// "string", "number", "null", ... for messages.
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace kfm::jobs::usgs
