// The normalized model of the usgs_gauges job: one gauge reading (monitoring location, USGS
// parameter code, UTC time, value, unit, approval, other qualifiers) and the monitoring
// locations, the same whichever USGS service delivered them; and the set that merges the
// readings of every input into the rows the job writes. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "utc_time.h"

namespace kfm::jobs::usgs {

// USGS approval of a reading: NWIS qualifier codes "P" / "A", the Water Data API's
// approval_status "Provisional" / "Approved". Provisional data may still be revised.
enum class Approval { kUnknown, kProvisional, kApproved };

// "provisional", "approved", "unknown" (the CSV spelling).
std::string_view ApprovalName(Approval approval);

struct Observation {
  std::string site_id;         // "USGS-06892350": agency code, '-', site number
  std::string parameter_code;  // five digits: "00060" discharge, "00065" gage height
  UtcTime time;
  double value = 0;
  std::string value_text;  // the decimal exactly as the service wrote it ("4.36")
  std::string unit;        // as the service names it, without '^' ("ft3/s", "ft")
  Approval approval = Approval::kUnknown;
  std::vector<std::string> qualifiers;  // other codes ("e" estimated, "Ice"), in source order
};

struct Site {
  std::string id;                  // as Observation::site_id
  std::string name;                // empty where the source has none (the continuous collection)
  std::optional<double> latitude;  // WGS 84 degrees
  std::optional<double> longitude;
};

// "USGS" and "06892350" -> "USGS-06892350" (the Water Data API's monitoring_location_id).
std::string SiteId(std::string_view agency, std::string_view number);

// Unit spellings of the two services made one: "ft^3/s" -> "ft3/s" (NWIS writes "ft3/s").
std::string NormalizeUnit(std::string_view unit);

// Five decimal digits, as USGS parameter codes are ("00060").
bool IsParameterCode(std::string_view code);

// A reading's value as the services write it ("439", "-0.05", "1.2E3"): a finite decimal;
// false for anything else, including "", "NaN" and "Ice".
bool ParseDecimal(std::string_view text, double* out);

// What one input contributed.
struct InputBatch {
  std::vector<Observation> observations;
  std::vector<Site> sites;
  int64_t no_data = 0;  // readings dropped: the series' noDataValue, or a null value
};

// All inputs merged. One row per (site, parameter, time): where two inputs (NWIS and the
// Water Data API overlap) hold the same reading, an approved one wins over a provisional
// one, then the later input wins.
class ObservationSet {
 public:
  void Add(InputBatch batch);

  // Sorted by site, parameter code and time.
  [[nodiscard]] std::vector<Observation> Observations() const;
  // Sorted by id; only sites that have observations. Names and coordinates are taken from
  // whichever input had them.
  [[nodiscard]] std::vector<Site> Sites() const;

  [[nodiscard]] int64_t no_data() const { return no_data_; }
  [[nodiscard]] int64_t duplicates() const { return duplicates_; }
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  using Key = std::tuple<std::string, std::string, UtcTime>;
  std::map<Key, Observation> rows_;
  std::map<std::string, Site> sites_;
  int64_t no_data_ = 0;
  int64_t duplicates_ = 0;
};

}  // namespace kfm::jobs::usgs
