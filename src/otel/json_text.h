// Small helpers for reading JSON documents and reporting problems in them: where a problem is
// (JSON pointer or line), how a value is shown in a message. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kfm::otel {

// One reason a document does not conform.
struct SchemaError {
  // Where in the input: a JSON pointer ("/nodes/0/cpu/attributed_j"; "/" is the document
  // itself), "line N" for a JSON-Lines file, or "line N span etl.node.X: /attribute.key".
  std::string where;
  std::string message;  // what is wrong, with the offending value where there is one
};

// "a/b" -> "a~1b", per RFC 6901.
std::string EscapePointerToken(std::string_view token);
// A value as it appears in a message: compact JSON, cut short.
std::string Show(const nlohmann::json& value);
bool IsDigits(std::string_view s);
// "string", "integer", "object", ... as JSON Schema names types.
const char* TypeName(const nlohmann::json& value);

}  // namespace kfm::otel
