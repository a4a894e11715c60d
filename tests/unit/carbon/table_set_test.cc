// The lookup rule over many tables: hour > day > year (latest year carried forward) > static,
// finer before newer, region aliases, unknown regions, and the shipped tables themselves.
#include "carbon/table_set.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"

namespace kfm::carbon {
namespace {

const std::string kDataDir = std::string(KFM_FIXTURES_DIR) + "/../../data/carbon";

int64_t At(const std::string& utc) {
  int64_t s = 0;
  EXPECT_TRUE(ParseUtcSeconds(utc, &s)) << utc;
  return s;
}

std::string Meta(const std::string& id, const std::string& version) {
  return R"({"id": ")" + id + R"(", "version": ")" + version +
         R"(", "source": "unit test", "licence": "CC0-1.0", "retrieved": "2026-11-30",
            "basis": "average", "scope": "lifecycle"})";
}

class TableSetTest : public ::testing::Test {
 protected:
  // A set of only the tables given here (and the shipped region aliases).
  TableSet Set() {
    LoadOptions options;
    options.shipped = false;
    options.extra = {dir_.path()};
    options.worst_case_for_unknown_region = worst_case_;
    auto set = TableSet::Load(options);
    EXPECT_TRUE(set.ok()) << set.status().message();
    return set.ok() ? std::move(*set) : TableSet();
  }
  void Write(const std::string& id, const std::string& version, const std::string& rows) {
    const std::string stem = dir_.path() + "/" + id + "@" + version;
    testing::WriteFile(stem + ".csv", "region,start,resolution,gco2e_per_kwh\n" + rows);
    testing::WriteFile(stem + ".meta.json", Meta(id, version));
  }
  testing::TempDir dir_;
  bool worst_case_ = false;
};

TEST_F(TableSetTest, HourlyThenDailyThenAnnualThenStatic) {
  Write("hourly", "1",
        "SWPP,2026-11-25T04:00:00Z,hour,410\n"
        "SWPP,2026-11-25T05:00:00Z,hour,420\n");
  Write("daily", "1", "SWPP,2026-11-25T00:00:00Z,day,400\nSWPP,2026-11-26T00:00:00Z,day,390\n");
  Write("annual", "1", "SWPP,2024-01-01T00:00:00Z,year,450\nSWPP,2025-01-01T00:00:00Z,year,470\n");
  Write("worst", "1", "SWPP,,static,600\n");
  const TableSet set = Set();
  struct Case {
    std::string at;
    Resolution resolution;
    double value;
  };
  for (const Case& c : {
           Case{"2026-11-25T04:00:00Z", Resolution::kHour, 410},
           Case{"2026-11-25T04:59:59Z", Resolution::kHour, 410},  // the hour's last second
           Case{"2026-11-25T05:00:00Z", Resolution::kHour, 420},  // the next hour begins
           Case{"2026-11-25T06:00:00Z", Resolution::kDay, 400},   // no hour: the day
           Case{"2026-11-26T23:59:59Z", Resolution::kDay, 390},
           Case{"2026-11-27T00:00:00Z", Resolution::kYear, 470},  // no day: the latest year
           Case{"2024-07-01T00:00:00Z", Resolution::kYear, 450},
           Case{"2023-12-31T23:59:59Z", Resolution::kStatic, 600},  // before any year
       }) {
    auto f = set.Lookup("SWPP", At(c.at));
    ASSERT_TRUE(f.ok()) << c.at << ": " << f.status().message();
    EXPECT_EQ(f->resolution, c.resolution) << c.at;
    EXPECT_DOUBLE_EQ(f->value.value(), c.value) << c.at;
  }
  // A 2026 instant takes 2025's figure and says which year it is.
  auto carried = set.Lookup("SWPP", At("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(carried.ok());
  EXPECT_EQ(FormatUtcSeconds(carried->period_start_s), "2025-01-01T00:00:00Z");
  EXPECT_EQ(carried->table->meta.id, "annual");
}

TEST_F(TableSetTest, FinerResolutionBeatsNewerVersionAndNewerBeatsOlder) {
  Write("a", "1", "X,2026-01-01T00:00:00Z,hour,100\n");
  Write("b", "9", "X,2026-01-01T00:00:00Z,day,200\n");
  Write("c", "2", "X,2026-01-01T00:00:00Z,hour,300\n");
  const TableSet set = Set();
  auto f = set.Lookup("X", At("2026-01-01T00:30:00Z"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->table->meta.id, "c");  // hour beats day; version 2 beats version 1
  EXPECT_DOUBLE_EQ(f->value.value(), 300);
  auto later = set.Lookup("X", At("2026-01-01T01:30:00Z"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->resolution, Resolution::kDay);
}

TEST_F(TableSetTest, RegionAliasesAcrossProviders) {
  Write("em", "1", "US-CENT-SWPP,2025-01-01T00:00:00Z,year,477\n");
  const TableSet set = Set();
  for (const char* code : {"SPP_KS", "US-CENT-SWPP", "SPP_KANSAS", "SWPP"}) {
    auto f = set.Lookup(code, At("2025-06-01T00:00:00Z"));
    ASSERT_TRUE(f.ok()) << code << ": " << f.status().message();
    EXPECT_EQ(f->region, code);
    EXPECT_EQ(f->table_region, "US-CENT-SWPP");
    EXPECT_DOUBLE_EQ(f->value.value(), 477);
  }
}

TEST_F(TableSetTest, UnknownRegionNamesTheKnownOnes) {
  Write("em", "1", "US-CENT-SWPP,,static,500\nDE,,static,300\n");
  auto f = Set().Lookup("ATLANTIS", At("2025-06-01T00:00:00Z"));
  ASSERT_FALSE(f.ok());
  const std::string& m = f.status().message();
  EXPECT_NE(m.find("unknown grid region 'ATLANTIS'"), std::string::npos) << m;
  EXPECT_NE(m.find("DE"), std::string::npos) << m;
  EXPECT_NE(m.find("SPP_KS"), std::string::npos) << m;  // aliases of present regions count
  EXPECT_NE(m.find("KFM_CARBON_UNKNOWN_REGION=worst-case"), std::string::npos) << m;
}

TEST_F(TableSetTest, UnknownRegionMayOptIntoTheHighestStaticFigure) {
  Write("em", "1", "US-CENT-SWPP,,static,500\nDE,,static,300\n");
  worst_case_ = true;
  auto f = Set().Lookup("ATLANTIS", At("2025-06-01T00:00:00Z"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->worst_case);
  EXPECT_EQ(f->resolution, Resolution::kStatic);
  EXPECT_DOUBLE_EQ(f->value.value(), 500);
}

TEST_F(TableSetTest, KnownRegionOutsideItsOnlyTableGetsTheWorstCaseNotAnError) {
  Write("hourly", "1", "X,2026-01-01T00:00:00Z,hour,100\n");
  Write("other", "1", "Y,,static,800\n");
  auto f = Set().Lookup("X", At("2026-02-01T00:00:00Z"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->worst_case);
  EXPECT_DOUBLE_EQ(f->value.value(), 800);
}

TEST_F(TableSetTest, SameIdAndVersionMustHaveTheSameValues) {
  Write("dup", "1", "X,,static,1\n");
  TableSet set = Set();
  auto same = ParseTable("region,start,resolution,gco2e_per_kwh\nX,,static,1\n", Meta("dup", "1"),
                         "copy.csv", "copy.meta.json");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(set.Add(*same).ok());
  EXPECT_EQ(set.tables().size(), 1u);
  auto changed = ParseTable("region,start,resolution,gco2e_per_kwh\nX,,static,2\n",
                            Meta("dup", "1"), "changed.csv", "changed.meta.json");
  ASSERT_TRUE(changed.ok());
  Status s = set.Add(*changed);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("changed.csv"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("new version"), std::string::npos) << s.message();
}

TEST_F(TableSetTest, ABadTableFailsTheLoadNamingItsFileAndLine) {
  Write("good", "1", "X,,static,1\n");
  Write("bad", "1", "X,2026-01-01T00:00:00Z,hour,1\nX,2026-01-01T00:00:00Z,hour,-4\n");
  LoadOptions options;
  options.shipped = false;
  options.extra = {dir_.path()};
  auto set = TableSet::Load(options);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("bad@1.csv:3: field 'gco2e_per_kwh'"), std::string::npos)
      << set.status().message();
}

TEST_F(TableSetTest, MissingPathOnKfmCarbonTablesIsAnError) {
  LoadOptions options;
  options.shipped = false;
  options.extra = {dir_.path() + "/nowhere"};
  auto set = TableSet::Load(options);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("KFM_CARBON_TABLES"), std::string::npos);
}

TEST_F(TableSetTest, TablesInKfmHomeCarbonAreUsed) {
  testing::TempDir home;
  std::filesystem::create_directories(home.path() + "/carbon");
  testing::WriteFile(home.path() + "/carbon/mine@1.csv",
                     "region,start,resolution,gco2e_per_kwh\nSWPP,2026-01-01T00:00:00Z,hour,5\n");
  testing::WriteFile(home.path() + "/carbon/mine@1.meta.json", Meta("mine", "1"));
  LoadOptions options;
  options.home = home.path();
  auto set = TableSet::Load(options);
  ASSERT_TRUE(set.ok()) << set.status().message();
  auto f = set->Lookup("SPP_KS", At("2026-01-01T00:10:00Z"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->table->meta.id, "mine");
  EXPECT_EQ(f->resolution, Resolution::kHour);
  EXPECT_EQ(f->table->origin, home.path() + "/carbon");
}

TEST(CompareVersionsTest, NumbersCompareAsNumbers) {
  EXPECT_LT(CompareVersions("0.9.0", "0.19.0"), 0);
  EXPECT_GT(CompareVersions("0.19.1", "0.19.0"), 0);
  EXPECT_EQ(CompareVersions("1.02", "1.2"), 0);
  EXPECT_LT(CompareVersions("20261130T235959Z", "20261201T000000Z"), 0);
  EXPECT_LT(CompareVersions("1", "1.1"), 0);
}

// The shipped tables, read back from data/carbon/ independently of the loader.
std::map<std::string, std::string> ShippedFiles() {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kDataDir))
    files[entry.path().filename().string()] = testing::ReadFile(entry.path().string());
  return files;
}

TEST(ShippedTablesTest, EveryShippedTableLoadsWithTheSha256OfItsFile) {
  LoadOptions options;
  auto set = TableSet::Load(options);
  ASSERT_TRUE(set.ok()) << set.status().message();
  const auto files = ShippedFiles();
  size_t tables_on_disk = 0;
  for (const auto& [name, text] : files) {
    if (name.find('@') == std::string::npos || !name.ends_with(".csv")) continue;
    ++tables_on_disk;
    const auto result = testing::RunCommand({"/usr/bin/sha256sum", kDataDir + "/" + name});
    ASSERT_EQ(result.exit_code, 0);
    const std::string expected = result.out.substr(0, 64);
    const auto at = name.find('@');
    auto table = set->Find(name.substr(0, at), name.substr(at + 1, name.size() - at - 5));
    ASSERT_TRUE(table.ok()) << name << ": " << table.status().message();
    EXPECT_EQ((*table)->sha256, expected) << name;
    EXPECT_EQ((*table)->origin, "shipped");
    EXPECT_FALSE((*table)->meta.source.empty());
    EXPECT_FALSE((*table)->meta.licence.empty());
  }
  EXPECT_EQ(set->tables().size(), tables_on_disk);
  EXPECT_GE(tables_on_disk, 3u);
}

TEST(ShippedTablesTest, SppHasAnnualFigures2021To2025AndAStaticWorstCase) {
  auto set = TableSet::Load(LoadOptions{});
  ASSERT_TRUE(set.ok());
  // Expected figures straight from the shipped CSV text.
  std::map<int, double> annual;
  std::istringstream csv(ShippedFiles().at("electricitymaps-yearly@0.19.0.csv"));
  std::string line;
  while (std::getline(csv, line)) {
    if (line.rfind("US-CENT-SWPP,", 0) != 0) continue;
    annual[std::stoi(line.substr(13, 4))] = std::stod(line.substr(line.rfind(',') + 1));
  }
  ASSERT_EQ(annual.size(), 5u);
  EXPECT_EQ(annual.begin()->first, 2021);
  EXPECT_EQ(annual.rbegin()->first, 2025);
  double worst = 0;
  for (const auto& [year, value] : annual) {
    worst = std::max(worst, value);
    auto f = set->Lookup("SPP_KS", At(std::to_string(year) + "-07-01T12:00:00Z"));
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->resolution, Resolution::kYear);
    EXPECT_DOUBLE_EQ(f->value.value(), value) << year;
    EXPECT_EQ(f->table->meta.id, "electricitymaps-yearly");
  }
  auto before = set->Lookup("SPP_KS", At("2019-01-01T00:00:00Z"));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->resolution, Resolution::kStatic);
  EXPECT_DOUBLE_EQ(before->value.value(), worst);  // the documented basis: the highest year
  EXPECT_EQ(before->table->meta.id, "electricitymaps-worst-case");
}

TEST(ShippedTablesTest, EveryAliasGroupNamesARegionOfTheShippedTables) {
  auto set = TableSet::Load(LoadOptions{});
  ASSERT_TRUE(set.ok());
  std::istringstream aliases(ShippedFiles().at("region-aliases.csv"));
  std::string line;
  std::set<std::string> groups;
  while (std::getline(aliases, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("group,", 0) == 0) continue;
    groups.insert(line.substr(0, line.find(',')));
  }
  ASSERT_FALSE(groups.empty());
  for (const auto& group : groups) {
    auto f = set->Lookup(group, At("2025-01-01T00:00:00Z"));
    EXPECT_TRUE(f.ok()) << group << ": " << f.status().message();
    if (f.ok()) {
      EXPECT_EQ(f->resolution, Resolution::kYear) << group;
    }
  }
}

}  // namespace
}  // namespace kfm::carbon
