// Test-side GRIB2 encoder for data representation template 5.3 (complex packing with
// second-order spatial differencing, as NCEP's g2 library writes it), used by the input
// generator because ecCodes 2.28 (Debian 12) encodes grid_complex_spatial_differencing wrongly:
// it writes orderOfSpatialDifferencing 0 and the values it packs do not decode back (upstream
// later changed that default, ECC-2060). ecCodes still decodes what this writes, and that is
// what the job tests. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace kfm::testing::hrrr {

// `message`, one GRIB2 message with no bitmap, with its sections 5 and 7 replaced by
// `values` packed as template 5.3 (16-bit precision over the field's range, groups of
// `group_length` values); the total length in section 0 is updated. Empty on a message it
// cannot parse.
std::string WithComplexPacking(const std::string& message, const std::vector<double>& values,
                               int group_length = 50);

}  // namespace kfm::testing::hrrr
