// NCEP `.idx` inventories (the wgrib2 short inventory NOAA publishes beside every HRRR GRIB2
// file) and the byte ranges they imply: message k spans from its offset to the byte before the
// next message's offset, the last one to the end of the file. Also the `NAME:level[:forecast]`
// selectors that pick messages. Pure functions over strings; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http_fetch.h"
#include "kfm/status.h"

namespace kfm::jobs::hrrr {

// One line, e.g. `71:42877129:d=2026112500:TMP:2 m above ground:6 hour fcst:`.
struct IdxEntry {
  int line = 0;          // 1-based line number in the inventory
  std::string number;    // "71"; "2.1" names a field inside a multi-field message
  int64_t offset = 0;    // first byte of the message in the GRIB2 file
  std::string date;      // reference time as written after "d=", e.g. "2026112500"
  std::string name;      // wgrib2 abbreviation: TMP, UGRD
  std::string level;     // wgrib2 level text: "2 m above ground"
  std::string forecast;  // "anl", "6 hour fcst", "0-1 hour acc fcst"
  std::string text;      // the line as written
};

// What --var names: NAME:level, optionally :forecast, compared exactly (case and spaces).
struct VariableSelector {
  std::string name;
  std::string level;
  std::optional<std::string> forecast;
  std::string text;  // as the user wrote it

  [[nodiscard]] bool Matches(const std::string& entry_name, const std::string& entry_level,
                             const std::string& entry_forecast) const;
};

// "TMP:2 m above ground" or "APCP:surface:0-1 hour acc fcst"; InvalidArgument otherwise.
Result<VariableSelector> ParseSelector(const std::string& text);

// The entries of an inventory. InvalidArgument naming `source`, the line and the field for a
// line that is not `number:offset:d=date:name:level:forecast:`, or offsets going backwards.
Result<std::vector<IdxEntry>> ParseIdx(const std::string& text, const std::string& source);

// Index of the one entry `selector` picks; NotFound (listing what the inventory has) or
// InvalidArgument when it picks several (listing them, so a forecast can be added).
Result<size_t> FindEntry(const std::vector<IdxEntry>& entries, const VariableSelector& selector,
                         const std::string& source);

// Bytes of entry `index`: up to the next larger offset (entries of one multi-field message
// share an offset), open-ended for the last message.
ByteRange RangeOf(const std::vector<IdxEntry>& entries, size_t index);

}  // namespace kfm::jobs::hrrr
