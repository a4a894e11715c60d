#include "observations_csv.h"

#include <nlohmann/json.hpp>

namespace kfm::jobs::usgs {
namespace {

void AppendField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string ObservationsCsv(const std::vector<Observation>& observations) {
  std::string out = "site_id,parameter_code,time_utc,value,unit,approval,qualifiers\n";
  out.reserve(out.size() + observations.size() * 64);
  for (const Observation& obs : observations) {
    AppendField(out, obs.site_id);
    out += ',';
    AppendField(out, obs.parameter_code);
    out += ',';
    out += FormatUtcTime(obs.time);
    out += ',';
    AppendField(out, obs.value_text);
    out += ',';
    AppendField(out, obs.unit);
    out += ',';
    out += ApprovalName(obs.approval);
    out += ',';
    std::string qualifiers;
    for (const std::string& code : obs.qualifiers) {
      if (!qualifiers.empty()) qualifiers += ' ';
      qualifiers += code;
    }
    AppendField(out, qualifiers);
    out += '\n';
  }
  return out;
}

std::string ObservationsTableSchema() {
  using nlohmann::ordered_json;
  const auto field = [](const char* name, const char* type, const char* title,
                        const char* description) {
    return ordered_json{
        {"name", name}, {"type", type}, {"title", title}, {"description", description}};
  };
  ordered_json site = field("site_id", "string", "Monitoring location",
                            "Agency code and site number joined by '-', as the USGS Water Data "
                            "API's monitoring_location_id (USGS-06892350).");
  site["constraints"] = {{"required", true}};
  ordered_json code = field("parameter_code", "string", "USGS parameter code",
                            "Five digits: 00060 discharge (ft3/s), 00065 gage height (ft); see "
                            "https://help.waterdata.usgs.gov/parameter_cd.");
  code["constraints"] = {{"required", true}, {"pattern", "[0-9]{5}"}};
  ordered_json time = field("time_utc", "datetime", "Time (UTC)",
                            "When the reading was taken, converted to UTC from the offset the "
                            "service gave (YYYY-MM-DDThh:mm:ssZ).");
  time["format"] = "default";
  time["constraints"] = {{"required", true}};
  ordered_json value = field("value", "number", "Value",
                             "The reading as the service wrote it; no-data readings (the "
                             "series' noDataValue, or null) are not in the table.");
  value["constraints"] = {{"required", true}};
  ordered_json unit =
      field("unit", "string", "Unit", "Unit as the service names it, '^' removed (ft3/s, ft).");
  unit["constraints"] = {{"required", true}};
  ordered_json approval = field("approval", "string", "Approval",
                                "provisional (NWIS qualifier P, approval_status Provisional: "
                                "subject to revision), approved (A, Approved) or unknown.");
  approval["constraints"] = {{"required", true}, {"enum", {"provisional", "approved", "unknown"}}};
  ordered_json qualifiers =
      field("qualifiers", "string", "Other qualifiers",
            "The source's other qualifier codes (e = estimated, Ice, Eqp, ...), separated by "
            "spaces; empty when there are none.");

  ordered_json schema = {
      {"$schema", "https://datapackage.org/profiles/2.0/tableschema.json"},
      {"fields", {site, code, time, value, unit, approval, qualifiers}},
      {"primaryKey", {"site_id", "parameter_code", "time_utc"}},
      {"missingValues", {""}},
  };
  return schema.dump(2) + "\n";
}

}  // namespace kfm::jobs::usgs
