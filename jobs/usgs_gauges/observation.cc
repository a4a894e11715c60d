#include "observation.h"

#include <charconv>
#include <cmath>
#include <set>
#include <utility>

namespace kfm::jobs::usgs {

std::string_view ApprovalName(Approval approval) {
  switch (approval) {
    case Approval::kProvisional:
      return "provisional";
    case Approval::kApproved:
      return "approved";
    case Approval::kUnknown:
      break;
  }
  return "unknown";
}

std::string SiteId(std::string_view agency, std::string_view number) {
  std::string id(agency.empty() ? std::string_view("USGS") : agency);
  id += '-';
  id += number;
  return id;
}

std::string NormalizeUnit(std::string_view unit) {
  std::string out;
  out.reserve(unit.size());
  for (const char c : unit) {
    if (c != '^') out.push_back(c);
  }
  return out;
}

bool IsParameterCode(std::string_view code) {
  if (code.size() != 5) return false;
  for (const char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ParseDecimal(std::string_view text, double* out) {
  if (text.empty()) return false;
  const char* first = text.data();
  if (*first == '+') ++first;
  const char* last = text.data() + text.size();
  double value = 0;
  const auto [end, error] = std::from_chars(first, last, value, std::chars_format::general);
  if (error != std::errc() || end != last || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

void ObservationSet::Add(InputBatch batch) {
  no_data_ += batch.no_data;
  for (Site& site : batch.sites) {
    auto [it, inserted] = sites_.try_emplace(site.id, site);
    if (inserted) continue;
    Site& known = it->second;
    if (known.name.empty()) known.name = std::move(site.name);
    if (!known.latitude || !known.longitude) {
      known.latitude = site.latitude;
      known.longitude = site.longitude;
    }
  }
  for (Observation& obs : batch.observations) {
    Key key{obs.site_id, obs.parameter_code, obs.time};
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      if (!sites_.contains(obs.site_id)) {
        Site site;
        site.id = obs.site_id;
        sites_.emplace(obs.site_id, std::move(site));
      }
      rows_.emplace(std::move(key), std::move(obs));
      continue;
    }
    ++duplicates_;
    const bool downgrade =
        it->second.approval == Approval::kApproved && obs.approval != Approval::kApproved;
    if (!downgrade) it->second = std::move(obs);
  }
}

std::vector<Observation> ObservationSet::Observations() const {
  std::vector<Observation> out;
  out.reserve(rows_.size());
  for (const auto& [key, obs] : rows_) out.push_back(obs);
  return out;
}

std::vector<Site> ObservationSet::Sites() const {
  std::set<std::string> observed;
  for (const auto& [key, obs] : rows_) observed.insert(obs.site_id);
  std::vector<Site> out;
  for (const auto& [id, site] : sites_) {
    if (observed.contains(id)) out.push_back(site);
  }
  return out;
}

}  // namespace kfm::jobs::usgs
