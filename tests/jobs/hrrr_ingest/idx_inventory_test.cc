// .idx inventories in NCEP's real format and the byte ranges they give.
#include "idx_inventory.h"

#include <gtest/gtest.h>

namespace kfm::jobs::hrrr {
namespace {

// NCEP's format; the numbers and offsets of TMP (66), UGRD (71) and VGRD (72) are those of a
// real HRRR wrfsfcf01 inventory (2018-09-30 23z), the lines between are made up alike.
constexpr char kIdx[] =
    "66:42877129:d=2026112500:TMP:2 m above ground:6 hour fcst:\n"
    "67:43761893:d=2026112500:SPFH:2 m above ground:6 hour fcst:\n"
    "68:44936271:d=2026112500:DPT:2 m above ground:6 hour fcst:\n"
    "69:45864820:d=2026112500:RH:2 m above ground:6 hour fcst:\n"
    "70:46644233:d=2026112500:APCP:surface:0-6 hour acc fcst:\n"
    "71:49027025:d=2026112500:UGRD:10 m above ground:6 hour fcst:\n"
    "72:50131800:d=2026112500:VGRD:10 m above ground:6 hour fcst:\n"
    "73:51176112:d=2026112500:APCP:surface:5-6 hour acc fcst:\n";

VariableSelector Selector(const std::string& text) {
  auto s = ParseSelector(text);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : VariableSelector{};
}

TEST(IdxInventory, ParsesEveryFieldOfRealLines) {
  auto entries = ParseIdx(kIdx, "hrrr.t00z.wrfsfcf06.grib2.idx");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 8u);
  const IdxEntry& tmp = (*entries)[0];
  EXPECT_EQ(tmp.line, 1);
  EXPECT_EQ(tmp.number, "66");
  EXPECT_EQ(tmp.offset, 42877129);
  EXPECT_EQ(tmp.date, "2026112500");
  EXPECT_EQ(tmp.name, "TMP");
  EXPECT_EQ(tmp.level, "2 m above ground");
  EXPECT_EQ(tmp.forecast, "6 hour fcst");
  EXPECT_EQ((*entries)[4].forecast, "0-6 hour acc fcst");
}

TEST(IdxInventory, RangeRunsToTheByteBeforeTheNextMessage) {
  auto entries = ParseIdx(kIdx, "x.idx");
  ASSERT_TRUE(entries.ok());
  const ByteRange tmp = RangeOf(*entries, 0);
  EXPECT_EQ(tmp.first, 42877129);
  ASSERT_TRUE(tmp.last.has_value());
  EXPECT_EQ(*tmp.last, 43761893 - 1);
  const ByteRange ugrd = RangeOf(*entries, 5);
  EXPECT_EQ(ugrd.first, 49027025);
  EXPECT_EQ(*ugrd.last, 50131800 - 1);
}

TEST(IdxInventory, LastMessageRunsToTheEndOfTheFile) {
  auto entries = ParseIdx(kIdx, "x.idx");
  ASSERT_TRUE(entries.ok());
  const ByteRange last = RangeOf(*entries, 7);
  EXPECT_EQ(last.first, 51176112);
  EXPECT_FALSE(last.last.has_value());
}

TEST(IdxInventory, FieldsOfOneMultiFieldMessageShareItsRange) {
  // RAP-style submessages "2.1", "2.2" at one offset: both span to the next offset.
  auto entries = ParseIdx(
      "1:0:d=2026112500:TMP:2 m above ground:anl:\n"
      "2.1:100:d=2026112500:UGRD:10 m above ground:anl:\n"
      "2.2:100:d=2026112500:VGRD:10 m above ground:anl:\n"
      "3:250:d=2026112500:PRES:surface:anl:\n",
      "rap.idx");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(RangeOf(*entries, 1).first, 100);
  EXPECT_EQ(*RangeOf(*entries, 1).last, 249);
  EXPECT_EQ(*RangeOf(*entries, 2).last, 249);
  EXPECT_EQ((*entries)[2].number, "2.2");
}

TEST(IdxInventory, ToleratesCrLfBlankLinesAndExtraFields) {
  auto entries = ParseIdx(
      "1:0:d=2026112500:TMP:2 m above ground:anl:ens mean\r\n\n"
      "2:10:d=2026112500:APCP:surface:0-1 hour acc fcst:prob >0.254:prob fcst 255/255\r\n",
      "gefs.idx");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].forecast, "anl");
  EXPECT_EQ((*entries)[1].line, 3);
}

TEST(IdxInventory, MalformedLinesNameFileLineAndField) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"1:0:d=2026112500:TMP:2 m above ground:anl:\n2:abc:d=2026112500:RH:surface:anl:\n",
       "x.idx:2: field 2 (byte offset) 'abc'"},
      {"1:0:d=2026112500:TMP\n", "x.idx:1: expected number:offset:d=date:name:level:forecast:"},
      {"one:0:d=2026112500:TMP:2 m above ground:anl:\n", "x.idx:1: field 1 (message number)"},
      {"1:0:2026112500:TMP:2 m above ground:anl:\n", "x.idx:1: field 3 (reference time"},
      {"1:500:d=2026112500:TMP:2 m above ground:anl:\n2:100:d=2026112500:RH:surface:anl:\n",
       "x.idx:2: field 2 (byte offset) 100 is before the previous message's 500"},
      {"1:-5:d=2026112500:TMP:2 m above ground:anl:\n", "x.idx:1: field 2 (byte offset) '-5'"},
      {"\n\n", "x.idx: no messages"},
      {"<html>404</html>\n", "x.idx:1: expected"},
  };
  for (const auto& c : cases) {
    auto entries = ParseIdx(c.text, "x.idx");
    ASSERT_FALSE(entries.ok()) << c.text;
    EXPECT_EQ(entries.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(entries.status().message().find(c.expected), std::string::npos)
        << entries.status().message();
  }
}

TEST(IdxInventory, FindsByNameAndLevelExactly) {
  auto entries = ParseIdx(kIdx, "x.idx");
  ASSERT_TRUE(entries.ok());
  auto vgrd = FindEntry(*entries, Selector("VGRD:10 m above ground"), "x.idx");
  ASSERT_TRUE(vgrd.ok());
  EXPECT_EQ(*vgrd, 6u);
  // "10 mb" is not "10 m above ground"; case matters as in wgrib2's names.
  auto wrong = FindEntry(*entries, Selector("tmp:2 m above ground"), "x.idx");
  EXPECT_EQ(wrong.status().code(), Status::Code::kNotFound);
}

TEST(IdxInventory, MissingVariableListsWhatTheInventoryHas) {
  auto entries = ParseIdx(kIdx, "https://host/hrrr.t00z.wrfsfcf06.grib2.idx");
  ASSERT_TRUE(entries.ok());
  auto missing = FindEntry(*entries, Selector("TMP:80 m above ground"),
                           "https://host/hrrr.t00z.wrfsfcf06.grib2.idx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "https://host/hrrr.t00z.wrfsfcf06.grib2.idx: no message 'TMP:80 m above ground' in "
            "the inventory (8 messages; TMP at 'TMP:2 m above ground')");
}

TEST(IdxInventory, AmbiguousSelectorAsksForTheForecastField) {
  auto entries = ParseIdx(kIdx, "x.idx");
  ASSERT_TRUE(entries.ok());
  auto both = FindEntry(*entries, Selector("APCP:surface"), "x.idx");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(both.status().message().find("matches 2 messages"), std::string::npos);
  EXPECT_NE(both.status().message().find("line 8: 73:51176112"), std::string::npos);
  auto one = FindEntry(*entries, Selector("APCP:surface:5-6 hour acc fcst"), "x.idx");
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(*one, 7u);
}

TEST(IdxInventory, SelectorSyntax) {
  auto two = ParseSelector("TMP:2 m above ground");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->name, "TMP");
  EXPECT_EQ(two->level, "2 m above ground");
  EXPECT_FALSE(two->forecast.has_value());
  auto three = ParseSelector("APCP:surface:0-1 hour acc fcst");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three->forecast, "0-1 hour acc fcst");
  for (const char* bad : {"TMP", "TMP:", ":2 m above ground", "A:b:c:d", "A:b:"}) {
    auto s = ParseSelector(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.status().message().find("NAME:level[:forecast]"), std::string::npos);
  }
}

}  // namespace
}  // namespace kfm::jobs::hrrr
