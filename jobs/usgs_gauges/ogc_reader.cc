#include "ogc_reader.h"

#include <cctype>

#include "json_fields.h"

namespace kfm::jobs::usgs {

using nlohmann::json;

namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

Status ReadQualifier(const JsonFields& fields, const json& properties, const JsonPath& at,
                     Observation* obs) {
  const json* qualifier = JsonFields::Find(properties, "qualifier");
  if (qualifier == nullptr || qualifier->is_null()) return Status::Ok();
  if (qualifier->is_string()) {
    if (!qualifier->get_ref<const std::string&>().empty())
      obs->qualifiers.push_back(qualifier->get<std::string>());
    return Status::Ok();
  }
  if (!qualifier->is_array())
    return fields.Error(at.Key("qualifier"), std::string("expected null, a code or a list of "
                                                         "codes, found ") +
                                                 qualifier->type_name());
  for (size_t q = 0; q < qualifier->size(); ++q) {
    const json& code = (*qualifier)[q];
    if (!code.is_string())
      return fields.Error(at.Key("qualifier").Index(q),
                          std::string("expected a code string, found ") + code.type_name());
    if (!code.get_ref<const std::string&>().empty())
      obs->qualifiers.push_back(code.get<std::string>());
  }
  return Status::Ok();
}

// geometry: null, or a Point [longitude, latitude].
Status ReadGeometry(const JsonFields& fields, const json& feature, const JsonPath& at, Site* site) {
  const json* geometry = JsonFields::Find(feature, "geometry");
  if (geometry == nullptr || geometry->is_null()) return Status::Ok();
  const JsonPath geo_at = at.Key("geometry");
  auto type = fields.String(*geometry, geo_at, "type");
  if (!type.ok()) return type.status();
  if (*type != "Point") return Status::Ok();  // a location is a point; anything else is not ours
  auto coordinates = fields.Array(*geometry, geo_at, "coordinates");
  if (!coordinates.ok()) return coordinates.status();
  const json& xy = **coordinates;
  if (xy.size() < 2 || !xy[0].is_number() || !xy[1].is_number())
    return fields.Error(geo_at.Key("coordinates"), "expected [longitude, latitude]");
  const double lon = xy[0].get<double>();
  const double lat = xy[1].get<double>();
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
    return fields.Error(geo_at.Key("coordinates"),
                        "expected [longitude, latitude] in degrees (WGS 84)");
  site->longitude = lon;
  site->latitude = lat;
  return Status::Ok();
}

}  // namespace

bool LooksLikeOgcFeatures(const json& doc) { return JsonFields::Find(doc, "features") != nullptr; }

Result<OgcPage> ReadOgcPage(const json& doc, std::string_view text, const std::string& source) {
  const JsonFields fields(text, source);
  const JsonPath root;
  if (const json* type = JsonFields::Find(doc, "type");
      type != nullptr && (!type->is_string() || *type != "FeatureCollection")) {
    return fields.Error(root.Key("type"), "expected \"FeatureCollection\", found " + type->dump());
  }
  auto features = fields.Array(doc, root, "features");
  if (!features.ok()) return features.status();

  OgcPage page;
  for (size_t i = 0; i < (*features)->size(); ++i) {
    const json& feature = (**features)[i];
    const JsonPath at = root.Key("features").Index(i);
    if (!feature.is_object())
      return fields.Error(at,
                          std::string("expected a Feature object, found ") + feature.type_name());
    auto properties = fields.Object(feature, at, "properties");
    if (!properties.ok()) return properties.status();
    const json& props = **properties;
    const JsonPath props_at = at.Key("properties");

    auto site_id = fields.String(props, props_at, "monitoring_location_id");
    if (!site_id.ok()) return site_id.status();
    auto code = fields.String(props, props_at, "parameter_code");
    if (!code.ok()) return code.status();
    if (!IsParameterCode(*code))
      return fields.Error(props_at.Key("parameter_code"),
                          "'" + *code + "' is not a five-digit USGS parameter code");
    auto time_text = fields.String(props, props_at, "time");
    if (!time_text.ok()) return time_text.status();
    Observation obs;
    obs.site_id = *site_id;
    obs.parameter_code = *code;
    std::string why;
    if (!ParseUtcTime(*time_text, &obs.time, &why))
      return fields.Error(props_at.Key("time"), "bad time '" + *time_text + "': " + why);

    Site site;
    site.id = *site_id;
    if (Status s = ReadGeometry(fields, feature, at, &site); !s.ok()) return s;
    page.batch.sites.push_back(std::move(site));

    const json* value = JsonFields::Find(props, "value");
    if (value == nullptr) return fields.Error(props_at.Key("value"), "missing");
    if (value->is_null()) {
      ++page.batch.no_data;
      continue;
    }
    if (value->is_string()) {
      obs.value_text = value->get<std::string>();
    } else if (value->is_number()) {
      obs.value_text = value->dump();
    } else {
      return fields.Error(props_at.Key("value"),
                          std::string("expected a decimal string, found ") + value->type_name());
    }
    if (!ParseDecimal(obs.value_text, &obs.value))
      return fields.Error(props_at.Key("value"), "'" + obs.value_text + "' is not a number");
    auto unit = fields.String(props, props_at, "unit_of_measure");
    if (!unit.ok()) return unit.status();
    obs.unit = NormalizeUnit(*unit);

    if (const json* approval = JsonFields::Find(props, "approval_status");
        approval != nullptr && !approval->is_null()) {
      if (!approval->is_string())
        return fields.Error(props_at.Key("approval_status"),
                            std::string("expected a string, found ") + approval->type_name());
      const std::string& status = approval->get_ref<const std::string&>();
      if (EqualsNoCase(status, "Provisional")) obs.approval = Approval::kProvisional;
      if (EqualsNoCase(status, "Approved")) obs.approval = Approval::kApproved;
    }
    if (Status s = ReadQualifier(fields, props, props_at, &obs); !s.ok()) return s;
    page.batch.observations.push_back(std::move(obs));
  }

  if (const json* links = JsonFields::Find(doc, "links"); links != nullptr && links->is_array()) {
    for (size_t l = 0; l < links->size(); ++l) {
      const json& link = (*links)[l];
      const json* rel = JsonFields::Find(link, "rel");
      if (rel == nullptr || !rel->is_string() || *rel != "next") continue;
      const json* href = JsonFields::Find(link, "href");
      if (href == nullptr || !href->is_string() || href->get_ref<const std::string&>().empty())
        return fields.Error(root.Key("links").Index(l).Key("href"),
                            "a next link needs a non-empty string href");
      page.next_href = href->get<std::string>();
      page.next_link = l;
      break;
    }
  }
  return page;
}

}  // namespace kfm::jobs::usgs
