#include "message_fetch.h"

#include "grib_decode.h"

namespace kfm::jobs::hrrr {
namespace {

std::string RangeText(const ByteRange& range) {
  return std::to_string(range.first) + "-" + (range.last ? std::to_string(*range.last) : "");
}

Result<FetchedInput> FromInventory(const std::string& source, const std::string& idx_text,
                                   const std::vector<VariableSelector>& selectors,
                                   const FetchOptions& options, FetchedInput input) {
  auto entries = ParseIdx(idx_text, RedactedSource(input.idx_source));
  if (!entries.ok()) return entries.status();
  for (const auto& selector : selectors) {
    auto index = FindEntry(*entries, selector, RedactedSource(input.idx_source));
    if (!index.ok()) return index.status();
    const IdxEntry& entry = (*entries)[*index];
    if (entry.number.find('.') != std::string::npos) {
      return Status::InvalidArgument(RedactedSource(input.idx_source) + ":" +
                                     std::to_string(entry.line) + ": message " + entry.number +
                                     " is a field inside a multi-field GRIB2 message, which this "
                                     "job does not read (HRRR files have none)");
    }
    const ByteRange range = RangeOf(*entries, *index);
    auto bytes = Fetch(source, options, range);
    ++input.requests;
    if (!bytes.ok()) return bytes.status();
    input.bytes_fetched += static_cast<int64_t>(bytes->size());
    input.messages.push_back({selector, std::move(*bytes),
                              RedactedSource(source) + " bytes " + RangeText(range), entry.text,
                              entry.offset});
  }
  return input;
}

Result<FetchedInput> FromWholeFile(const std::string& source,
                                   const std::vector<VariableSelector>& selectors,
                                   const FetchOptions& options, FetchedInput input) {
  auto file = Fetch(source, options);
  ++input.requests;
  if (!file.ok()) return file.status();
  input.bytes_fetched += static_cast<int64_t>(file->size());
  auto scanned = ScanMessages(*file, RedactedSource(source));
  if (!scanned.ok()) return scanned.status();
  for (const auto& selector : selectors) {
    std::vector<const ScannedMessage*> hits;
    for (const auto& m : *scanned)
      if (selector.Matches(m.id.name, m.id.level, m.id.forecast)) hits.push_back(&m);
    if (hits.empty()) {
      return Status::NotFound(RedactedSource(source) + ": no message '" + selector.text +
                              "' among its " + std::to_string(scanned->size()) +
                              " messages (read without a .idx)");
    }
    if (hits.size() > 1) {
      return Status::InvalidArgument(RedactedSource(source) + ": '" + selector.text + "' matches " +
                                     std::to_string(hits.size()) +
                                     " messages; add the forecast field (NAME:level:forecast)");
    }
    const ScannedMessage& m = *hits.front();
    ByteRange range{m.offset, m.offset + m.length - 1};
    input.messages.push_back(
        {selector, file->substr(static_cast<size_t>(m.offset), static_cast<size_t>(m.length)),
         RedactedSource(source) + " bytes " + RangeText(range), "", m.offset});
  }
  return input;
}

}  // namespace

std::string RedactedSource(const std::string& source) {
  if (!IsUrl(source)) return source;
  const size_t query = source.find('?');
  return query == std::string::npos ? source : source.substr(0, query);
}

Result<FetchedInput> FetchMessages(const std::string& source,
                                   const std::vector<VariableSelector>& selectors,
                                   const FetchOptions& options) {
  FetchedInput input;
  input.source = source;
  const std::string idx_source = WithSuffix(source, ".idx");
  auto idx = Fetch(idx_source, options);
  ++input.requests;
  if (idx.ok()) {
    input.idx_source = idx_source;
    input.bytes_fetched += static_cast<int64_t>(idx->size());
    return FromInventory(source, *idx, selectors, options, std::move(input));
  }
  if (idx.status().code() != Status::Code::kNotFound) return idx.status();
  return FromWholeFile(source, selectors, options, std::move(input));
}

}  // namespace kfm::jobs::hrrr
