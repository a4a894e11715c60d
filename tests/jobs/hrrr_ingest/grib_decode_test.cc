// Decoding generated HRRR-like GRIB2 with ecCodes: both packings give back the values the
// generator wrote, every point sits where HRRR's projection puts it, and broken bytes are
// refused with where and why.
#include "grib_decode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hrrr_inputs.h"
#include "kansas_subset.h"
#include "subprocess.h"

namespace kfm::jobs::hrrr {
namespace {

namespace gen = kfm::testing::hrrr;
using kfm::testing::ReadFile;
using kfm::testing::TempDir;

std::string Message(const gen::GeneratedFile& file, const std::string& bytes, size_t k) {
  const long end = k + 1 < file.offsets.size() ? file.offsets[k + 1] : file.size;
  return bytes.substr(static_cast<size_t>(file.offsets[k]),
                      static_cast<size_t>(end - file.offsets[k]));
}

// One quantisation step of 16-bit packing over the field's range (computed from the formula).
double Step(const std::string& name, int nx, int ny) {
  double lo = 1e300, hi = -1e300;
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      lo = std::min(lo, gen::Value(name, i, j));
      hi = std::max(hi, gen::Value(name, i, j));
    }
  }
  return (hi - lo) / 65535.0;
}

class GribDecodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = gen::Generate(dir_.path());
    bytes_ = ReadFile(file_.path);
    ASSERT_EQ(file_.offsets.size(), gen::Fields().size());
  }
  TempDir dir_;
  gen::GeneratedFile file_;
  std::string bytes_;
};

TEST_F(GribDecodeTest, BothPackingsGiveBackTheValuesWritten) {
  for (size_t k = 0; k < gen::Fields().size(); ++k) {
    const gen::FieldSpec& spec = gen::Fields()[k];
    auto field = DecodeMessage(Message(file_, bytes_, k), "message " + spec.name);
    ASSERT_TRUE(field.ok()) << field.status().message();
    EXPECT_EQ(field->id.name, spec.name);
    EXPECT_EQ(field->id.level, spec.level);
    EXPECT_EQ(field->id.forecast, "6 hour fcst");
    EXPECT_EQ(field->packing,
              spec.complex_packing ? "grid_complex_spatial_differencing" : "grid_simple");
    const LambertGrid& g = field->grid;
    ASSERT_EQ(g.nx, 180);
    ASSERT_EQ(g.ny, 106);
    const double tolerance = Step(spec.name, 180, 106) + 1e-9;
    double worst = 0;
    for (int j = 0; j < g.ny; ++j) {
      for (int i = 0; i < g.nx; ++i) {
        const size_t p = static_cast<size_t>(j) * g.nx + i;
        worst = std::max(worst, std::abs(field->values[p] - gen::Value(spec.name, i, j)));
      }
    }
    EXPECT_LE(worst, tolerance) << spec.name << " (" << field->packing << ")";
    EXPECT_EQ(std::count(field->missing.begin(), field->missing.end(), true), 0);
  }
}

TEST_F(GribDecodeTest, GridIsHrrrsLambertConformal) {
  auto field = DecodeMessage(Message(file_, bytes_, 1), "TMP");
  ASSERT_TRUE(field.ok()) << field.status().message();
  const LambertGrid& g = field->grid;
  EXPECT_NEAR(g.first_lat, 21.138123, 1e-6);
  EXPECT_NEAR(g.first_lon, 237.280472, 1e-6);
  EXPECT_DOUBLE_EQ(g.lad, 38.5);
  EXPECT_DOUBLE_EQ(g.lov, 262.5);
  EXPECT_DOUBLE_EQ(g.latin1, 38.5);
  EXPECT_DOUBLE_EQ(g.latin2, 38.5);
  EXPECT_DOUBLE_EQ(g.dx, 30000);
  EXPECT_EQ(g.scanning_mode, 64);
  EXPECT_EQ(g.shape_of_earth, 6);
  EXPECT_DOUBLE_EQ(g.earth_radius, 6371229);
  EXPECT_TRUE(g.winds_grid_relative);
  EXPECT_EQ(field->data_date, 20261125);
  EXPECT_EQ(field->data_time, 0);
  EXPECT_EQ(field->forecast_hours, 6);
}

TEST_F(GribDecodeTest, EveryPointIsWhereTheProjectionPutsIt) {
  auto field = DecodeMessage(Message(file_, bytes_, 1), "TMP");
  ASSERT_TRUE(field.ok());
  double worst = 0;
  for (int j = 0; j < 106; ++j) {
    for (int i = 0; i < 180; ++i) {
      const size_t p = static_cast<size_t>(j) * 180 + i;
      const gen::LatLon expected = gen::GridPointLatLon(i, j, 30);
      worst = std::max(worst, std::abs(field->lats[p] - expected.lat));
      worst = std::max(worst, std::abs(NormalizeLongitude(field->lons[p]) - expected.lon));
    }
  }
  EXPECT_LT(worst, 1e-5);  // degrees; scanning mode 64: row 0 is the southern row
}

TEST(GribDecodeRealGrid, FullHrrrGridEndsAtItsPublishedCorner) {
  TempDir dir;
  const auto file = gen::Generate(dir.path(), "full.grib2", {"--dx-km", "3", "--only", "TMP"});
  auto field = DecodeMessage(ReadFile(file.path), "full");
  ASSERT_TRUE(field.ok()) << field.status().message();
  EXPECT_EQ(field->grid.nx, 1799);
  EXPECT_EQ(field->grid.ny, 1059);
  // HRRR CONUS's last point (north-east corner), 47.842195 N 60.917193 W.
  EXPECT_NEAR(field->lats.back(), 47.842195, 1e-4);
  EXPECT_NEAR(NormalizeLongitude(field->lons.back()), -60.917193, 1e-4);
  // The 30 km file's points are every tenth point of this grid.
  const gen::LatLon coarse = gen::GridPointLatLon(77, 48, 30);
  const size_t p = static_cast<size_t>(480) * 1799 + 770;
  EXPECT_NEAR(field->lats[p], coarse.lat, 1e-5);
  EXPECT_NEAR(NormalizeLongitude(field->lons[p]), coarse.lon, 1e-5);
}

TEST_F(GribDecodeTest, ScanningAWholeFileFindsEveryMessage) {
  auto messages = ScanMessages(bytes_, file_.path);
  ASSERT_TRUE(messages.ok()) << messages.status().message();
  ASSERT_EQ(messages->size(), gen::Fields().size());
  for (size_t k = 0; k < messages->size(); ++k) {
    EXPECT_EQ((*messages)[k].offset, file_.offsets[k]);
    EXPECT_EQ((*messages)[k].id.name, gen::Fields()[k].name);
    EXPECT_EQ((*messages)[k].id.level, gen::Fields()[k].level);
  }
  EXPECT_EQ(messages->back().offset + messages->back().length, file_.size);
}

TEST(GribDecodeAnalysis, ForecastHourZeroIsAnl) {
  TempDir dir;
  const auto file = gen::Generate(dir.path(), "anl.grib2", {"--fcst", "0", "--only", "RH"});
  auto field = DecodeMessage(ReadFile(file.path), "anl");
  ASSERT_TRUE(field.ok()) << field.status().message();
  EXPECT_EQ(field->id.forecast, "anl");
  EXPECT_NE(ReadFile(file.path + ".idx").find(":RH:2 m above ground:anl:"), std::string::npos);
}

TEST_F(GribDecodeTest, BrokenBytesAreRefusedWithWhereAndWhy) {
  const std::string tmp = Message(file_, bytes_, 1);
  struct Case {
    std::string bytes;
    std::string expected;
  };
  std::string bad_magic = tmp;
  bad_magic[0] = 'X';
  std::string edition1 = tmp;
  edition1[7] = 1;
  std::string bad_end = tmp;
  bad_end[bad_end.size() - 1] = '6';
  std::string bad_section = tmp;
  for (int k = 16; k < 20; ++k) bad_section[k] = '\xff';  // section 1 length
  const Case cases[] = {
      {bad_magic, "not a GRIB message (no 'GRIB' indicator)"},
      {tmp.substr(0, tmp.size() / 2), "is truncated"},
      {tmp + Message(file_, bytes_, 2), "not exactly one message"},
      {bad_end, "does not end with '7777'"},
      {edition1, "GRIB edition 1, expected 2"},
      {bad_section, "f.grib2 bytes 38348-76169"},
      {"", "not a GRIB message"},
      {"GRIB", "not a GRIB message"},
  };
  for (const auto& c : cases) {
    auto field = DecodeMessage(c.bytes, "f.grib2 bytes 38348-76169");
    ASSERT_FALSE(field.ok()) << c.expected;
    EXPECT_EQ(field.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(field.status().message().find(c.expected), std::string::npos)
        << field.status().message();
    EXPECT_EQ(field.status().message().rfind("f.grib2 bytes 38348-76169", 0), 0u);
  }
}

TEST(GribDecodeOtherGrids, ALatLonMessageIsNotLambert) {
  // ecCodes' own GRIB2 sample is a regular latitude/longitude grid.
  const std::string sample = ReadFile(KFM_ECCODES_SAMPLES "/GRIB2.tmpl");
  ASSERT_FALSE(sample.empty());
  auto field = DecodeMessage(sample, "GRIB2.tmpl");
  ASSERT_FALSE(field.ok());
  EXPECT_NE(field.status().message().find("grid 'regular_ll', expected Lambert conformal"),
            std::string::npos)
      << field.status().message();
}

TEST(GribDecodeScan, GarbageBetweenMessagesIsNamedByOffset) {
  TempDir dir;
  const auto file = gen::Generate(dir.path(), "two.grib2", {"--only", "TMP,RH"});
  std::string bytes = ReadFile(file.path);
  bytes.insert(static_cast<size_t>(file.offsets[1]), "junk");
  auto messages = ScanMessages(bytes, "two.grib2");
  ASSERT_FALSE(messages.ok());
  EXPECT_NE(messages.status().message().find(
                "two.grib2 at byte " + std::to_string(file.offsets[1]) + ": not a GRIB message"),
            std::string::npos)
      << messages.status().message();
  auto text = ScanMessages("this is not GRIB\n", "notes.txt");
  EXPECT_FALSE(text.ok());
}

}  // namespace
}  // namespace kfm::jobs::hrrr
