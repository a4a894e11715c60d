#include "json_fields.h"

namespace kfm::jobs::usgs {

using nlohmann::json;

const json* JsonFields::Find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

Result<const json*> JsonFields::Member(const json& object, const JsonPath& path, const char* key,
                                       json::value_t type, const char* type_name) const {
  if (!object.is_object())
    return Error(path, std::string("expected an object, found ") + object.type_name());
  const json* member = Find(object, key);
  if (member == nullptr) return Error(path.Key(key), "missing");
  if (member->type() != type)
    return Error(path.Key(key),
                 std::string("expected ") + type_name + ", found " + member->type_name());
  return member;
}

Result<const json*> JsonFields::Object(const json& object, const JsonPath& path,
                                       const char* key) const {
  return Member(object, path, key, json::value_t::object, "an object");
}

Result<const json*> JsonFields::Array(const json& object, const JsonPath& path,
                                      const char* key) const {
  return Member(object, path, key, json::value_t::array, "an array");
}

Result<std::string> JsonFields::String(const json& object, const JsonPath& path,
                                       const char* key) const {
  auto member = Member(object, path, key, json::value_t::string, "a string");
  if (!member.ok()) return member.status();
  const std::string& text = (*member)->get_ref<const std::string&>();
  if (text.empty()) return Error(path.Key(key), "empty");
  return text;
}

}  // namespace kfm::jobs::usgs
