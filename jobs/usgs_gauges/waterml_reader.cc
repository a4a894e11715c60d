#include "waterml_reader.h"

#include <optional>

#include "json_fields.h"

namespace kfm::jobs::usgs {

using nlohmann::json;

namespace {

// sourceInfo: the site's id, name and coordinates.
Result<Site> ReadSourceInfo(const JsonFields& fields, const json& series, const JsonPath& at) {
  auto info = fields.Object(series, at, "sourceInfo");
  if (!info.ok()) return info.status();
  const JsonPath info_at = at.Key("sourceInfo");
  auto codes = fields.Array(**info, info_at, "siteCode");
  if (!codes.ok()) return codes.status();
  if ((*codes)->empty()) return fields.Error(info_at.Key("siteCode"), "empty (no site number)");
  const JsonPath code_at = info_at.Key("siteCode").Index(0);
  auto number = fields.String((**codes)[0], code_at, "value");
  if (!number.ok()) return number.status();
  std::string agency = "USGS";
  if (const json* a = JsonFields::Find((**codes)[0], "agencyCode"); a != nullptr) {
    if (!a->is_string() || a->get_ref<const std::string&>().empty())
      return fields.Error(code_at.Key("agencyCode"), "expected a non-empty string");
    agency = a->get<std::string>();
  }
  Site site;
  site.id = SiteId(agency, *number);
  if (const json* name = JsonFields::Find(**info, "siteName"); name && name->is_string())
    site.name = name->get<std::string>();
  const json* geo = JsonFields::Find(**info, "geoLocation");
  const json* geog = geo ? JsonFields::Find(*geo, "geogLocation") : nullptr;
  if (geog != nullptr) {
    const JsonPath geog_at = info_at.Key("geoLocation").Key("geogLocation");
    const json* lat = JsonFields::Find(*geog, "latitude");
    const json* lon = JsonFields::Find(*geog, "longitude");
    if (lat != nullptr && lon != nullptr) {
      if (!lat->is_number() || lat->get<double>() < -90 || lat->get<double>() > 90)
        return fields.Error(geog_at.Key("latitude"), "expected a number of degrees in [-90, 90]");
      if (!lon->is_number() || lon->get<double>() < -180 || lon->get<double>() > 180)
        return fields.Error(geog_at.Key("longitude"),
                            "expected a number of degrees in [-180, 180]");
      site.latitude = lat->get<double>();
      site.longitude = lon->get<double>();
    }
  }
  return site;
}

struct Variable {
  std::string parameter_code;
  std::string unit;
  std::optional<double> no_data;
};

Result<Variable> ReadVariable(const JsonFields& fields, const json& series, const JsonPath& at) {
  auto variable = fields.Object(series, at, "variable");
  if (!variable.ok()) return variable.status();
  const JsonPath var_at = at.Key("variable");
  auto codes = fields.Array(**variable, var_at, "variableCode");
  if (!codes.ok()) return codes.status();
  if ((*codes)->empty())
    return fields.Error(var_at.Key("variableCode"), "empty (no parameter code)");
  auto code = fields.String((**codes)[0], var_at.Key("variableCode").Index(0), "value");
  if (!code.ok()) return code.status();
  if (!IsParameterCode(*code))
    return fields.Error(var_at.Key("variableCode").Index(0).Key("value"),
                        "'" + *code + "' is not a five-digit USGS parameter code");
  auto unit = fields.Object(**variable, var_at, "unit");
  if (!unit.ok()) return unit.status();
  auto unit_code = fields.String(**unit, var_at.Key("unit"), "unitCode");
  if (!unit_code.ok()) return unit_code.status();
  Variable out;
  out.parameter_code = *code;
  out.unit = NormalizeUnit(*unit_code);
  if (const json* no_data = JsonFields::Find(**variable, "noDataValue");
      no_data != nullptr && !no_data->is_null()) {
    if (!no_data->is_number())
      return fields.Error(var_at.Key("noDataValue"),
                          std::string("expected a number, found ") + no_data->type_name());
    out.no_data = no_data->get<double>();
  }
  return out;
}

// qualifiers: ["P"] / ["A"] set the approval; other codes are kept.
Status ReadQualifiers(const JsonFields& fields, const json& point, const JsonPath& at,
                      Observation* obs) {
  const json* qualifiers = JsonFields::Find(point, "qualifiers");
  if (qualifiers == nullptr || qualifiers->is_null()) return Status::Ok();
  auto take = [&](const std::string& code) {
    if (code == "P") {
      obs->approval = Approval::kProvisional;
    } else if (code == "A") {
      obs->approval = Approval::kApproved;
    } else if (!code.empty()) {
      obs->qualifiers.push_back(code);
    }
  };
  if (qualifiers->is_string()) {
    take(qualifiers->get<std::string>());
    return Status::Ok();
  }
  if (!qualifiers->is_array())
    return fields.Error(at.Key("qualifiers"), std::string("expected an array of codes, found ") +
                                                  qualifiers->type_name());
  for (size_t q = 0; q < qualifiers->size(); ++q) {
    const json& code = (*qualifiers)[q];
    if (!code.is_string())
      return fields.Error(at.Key("qualifiers").Index(q),
                          std::string("expected a code string, found ") + code.type_name());
    take(code.get<std::string>());
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeWaterMl(const json& doc) {
  const json* value = JsonFields::Find(doc, "value");
  return value != nullptr && JsonFields::Find(*value, "timeSeries") != nullptr;
}

Result<InputBatch> ReadWaterMl(const json& doc, std::string_view text, const std::string& source) {
  const JsonFields fields(text, source);
  const JsonPath root;
  auto value = fields.Object(doc, root, "value");
  if (!value.ok()) return value.status();
  auto all_series = fields.Array(**value, root.Key("value"), "timeSeries");
  if (!all_series.ok()) return all_series.status();

  InputBatch batch;
  for (size_t i = 0; i < (*all_series)->size(); ++i) {
    const json& series = (**all_series)[i];
    const JsonPath at = root.Key("value").Key("timeSeries").Index(i);
    if (!series.is_object())
      return fields.Error(at, std::string("expected an object, found ") + series.type_name());
    auto site = ReadSourceInfo(fields, series, at);
    if (!site.ok()) return site.status();
    auto variable = ReadVariable(fields, series, at);
    if (!variable.ok()) return variable.status();
    auto blocks = fields.Array(series, at, "values");
    if (!blocks.ok()) return blocks.status();
    for (size_t b = 0; b < (*blocks)->size(); ++b) {
      const json& block = (**blocks)[b];
      const JsonPath block_at = at.Key("values").Index(b);
      auto points = fields.Array(block, block_at, "value");
      if (!points.ok()) return points.status();
      for (size_t k = 0; k < (*points)->size(); ++k) {
        const json& point = (**points)[k];
        auto point_at = [&] { return block_at.Key("value").Index(k); };
        if (!point.is_object())
          return fields.Error(point_at(),
                              std::string("expected an object, found ") + point.type_name());
        Observation obs;
        obs.site_id = site->id;
        obs.parameter_code = variable->parameter_code;
        obs.unit = variable->unit;
        const json* reading = JsonFields::Find(point, "value");
        if (reading == nullptr) return fields.Error(point_at().Key("value"), "missing");
        if (reading->is_string()) {
          obs.value_text = reading->get<std::string>();
        } else if (reading->is_number()) {
          obs.value_text = reading->dump();
        } else {
          return fields.Error(
              point_at().Key("value"),
              std::string("expected a decimal string, found ") + reading->type_name());
        }
        if (!ParseDecimal(obs.value_text, &obs.value))
          return fields.Error(point_at().Key("value"), "'" + obs.value_text + "' is not a number");
        auto date_time = fields.String(point, point_at(), "dateTime");
        if (!date_time.ok()) return date_time.status();
        std::string why;
        if (!ParseUtcTime(*date_time, &obs.time, &why))
          return fields.Error(point_at().Key("dateTime"), "bad time '" + *date_time + "': " + why);
        if (Status s = ReadQualifiers(fields, point, point_at(), &obs); !s.ok()) return s;
        if (variable->no_data && obs.value == *variable->no_data) {
          ++batch.no_data;
          continue;
        }
        batch.observations.push_back(std::move(obs));
      }
    }
    batch.sites.push_back(std::move(*site));
  }
  return batch;
}

}  // namespace kfm::jobs::usgs
