// Carbon end to end with the real binary: a measured `run` scored with the shipped annual
// table or an installed hourly one, the carbon record, `carbon tables|lookup|rescore`, and bad
// tables refused before the command starts.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "span_files.h"
#include "subprocess.h"

namespace kfm::testing {
namespace {

const std::string kBinary = KFM_BINARY;
const std::string kBurn = KFM_BURN;
const std::string kData = std::string(KFM_SOURCE_DIR) + "/data/carbon";

std::string Utc(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// The 2025 figure of a zone, read from the shipped CSV text.
double ShippedAnnual(const std::string& zone, int year) {
  std::istringstream csv(ReadFile(kData + "/electricitymaps-yearly@0.19.0.csv"));
  std::string line;
  const std::string prefix = zone + "," + std::to_string(year) + "-01-01T00:00:00Z,year,";
  while (std::getline(csv, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
  }
  ADD_FAILURE() << "no " << prefix << " in the shipped table";
  return -1;
}

// The attributes of the first span in a span bundle file.
std::map<std::string, nlohmann::json> FirstSpanAttributes(const std::string& spans_file) {
  return SpanAttributes(ReadJsonLines(spans_file).at(0));
}

class CarbonCliTest : public ::testing::Test {
 protected:
  std::vector<std::string> Env(const std::string& run_id) const {
    return IsolatedRunEnv(home_.path(), run_id, {"KFM_REGION=SPP_KS"});
  }
  std::string File(const std::string& kind, const std::string& run_id) const {
    return home_.path() + "/telemetry/" + kind + "/kfm-run-" + run_id + ".json";
  }
  // An hourly table for SWPP (an alias of SPP_KS) around now, in $KFM_HOME/carbon/: each
  // hour's figure differs, so a wrong hour would show.
  std::map<int64_t, double> InstallHourlyTable() const {
    const int64_t now = std::time(nullptr);
    const int64_t first = now - now % 3600 - 2 * 3600;
    std::map<int64_t, double> factors;
    std::string csv = "region,start,resolution,gco2e_per_kwh\n";
    for (int h = 0; h < 6; ++h) {
      factors[first + 3600 * h] = 300 + 17.5 * h;
      csv += "SWPP," + Utc(first + 3600 * h) + ",hour," + std::to_string(300 + 17.5 * h) + "\n";
    }
    std::filesystem::create_directories(home_.path() + "/carbon");
    WriteFile(home_.path() + "/carbon/eia930-swpp@20261201T000000Z.csv", csv);
    WriteFile(home_.path() + "/carbon/eia930-swpp@20261201T000000Z.meta.json",
              R"({"id": "eia930-swpp", "version": "20261201T000000Z", "source": "test",
                  "licence": "public domain", "retrieved": "2026-12-01", "basis": "average",
                  "scope": "lifecycle"})");
    return factors;
  }
  CommandResult Run(const std::string& run_id, double cpu_s = 0.3,
                    const std::vector<std::string>& extra_env = {}) const {
    auto env = Env(run_id);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return RunCommand({kBinary, "run", "--node", "score_me", "--", "/bin/sh", "-c",
                       kBurn + " " + std::to_string(cpu_s) +
                           " && echo 'records_out 2000' >> \"$KFM_NODE_REPORT\""},
                      env);
  }
  TempDir home_;
};

TEST_F(CarbonCliTest, WithAnHourlyTableEachHoursJoulesGetThatHoursFactor) {
  const auto factors = InstallHourlyTable();
  const auto result = Run("hourly-1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto attrs = FirstSpanAttributes(home_.path() + "/telemetry/otel/spans-kfm-run-hourly-1.json");
  EXPECT_EQ(attrs["carbon.factor_resolution"]["stringValue"], "hour");
  EXPECT_EQ(attrs["carbon.table_id"]["stringValue"], "eia930-swpp");
  EXPECT_EQ(attrs["carbon.table_version"]["stringValue"], "20261201T000000Z");
  EXPECT_EQ(attrs["carbon.region"]["stringValue"], "SPP_KS");

  // Sum over the energy record's hours of kWh x that hour's factor.
  const auto energy = nlohmann::json::parse(ReadFile(File("energy", "hourly-1")));
  double expected = 0, joules = 0;
  for (const auto& hour : energy["nodes"][0]["hours"]) {
    const double j =
        hour["cpu_j"].get<double>() + hour["dram_j"].get<double>() + hour["gpu_j"].get<double>();
    int64_t start = 0;
    for (const auto& [s, f] : factors) {
      if (Utc(s) == hour["start"].get<std::string>()) start = s;
    }
    ASSERT_NE(start, 0) << "hour " << hour["start"] << " is outside the installed table";
    expected += j / 3.6e6 * factors.at(start);
    joules += j;
  }
  ASSERT_GT(joules, 0);
  const double gco2e = attrs["carbon.gco2e"]["doubleValue"].get<double>();
  EXPECT_NEAR(gco2e, expected, 1e-9 * expected);
  EXPECT_NEAR(attrs["carbon.intensity_gco2_per_kwh"]["doubleValue"].get<double>(),
              expected / (joules / 3.6e6), 1e-6);
  EXPECT_NEAR(attrs["sci.gco2e_per_record"]["doubleValue"].get<double>(), expected / 2000,
              1e-9 * expected);

  // The carbon record agrees, names the table with its sha256, and validates.
  const auto carbon = nlohmann::json::parse(ReadFile(File("carbon", "hourly-1")));
  EXPECT_EQ(carbon["schema"], "kfm.carbon.v2");
  EXPECT_DOUBLE_EQ(carbon["nodes"][0]["gco2e"].get<double>(), gco2e);
  const auto& table = carbon["tables"]["eia930-swpp@20261201T000000Z"];
  const auto sha =
      RunCommand({"/usr/bin/sha256sum", home_.path() + "/carbon/eia930-swpp@20261201T000000Z.csv"});
  EXPECT_EQ(table["sha256"], sha.out.substr(0, 64));
  EXPECT_EQ(attrs["carbon.table_sha256"]["stringValue"], sha.out.substr(0, 64));
  const auto valid = RunCommand({kBinary, "validate", File("carbon", "hourly-1"),
                                 home_.path() + "/telemetry/otel/spans-kfm-run-hourly-1.json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(CarbonCliTest, WithoutHourlyDataTheShippedAnnualFigureApplies) {
  const auto result = Run("annual-1", 0.1);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto attrs = FirstSpanAttributes(home_.path() + "/telemetry/otel/spans-kfm-run-annual-1.json");
  EXPECT_EQ(attrs["carbon.factor_resolution"]["stringValue"], "year");
  EXPECT_EQ(attrs["carbon.table_id"]["stringValue"], "electricitymaps-yearly");
  EXPECT_DOUBLE_EQ(attrs["carbon.intensity_gco2_per_kwh"]["doubleValue"].get<double>(),
                   ShippedAnnual("US-CENT-SWPP", 2025));
  EXPECT_NE(result.err.find("SPP_KS, year, electricitymaps-yearly 0.19.0"), std::string::npos)
      << result.err;
}

TEST_F(CarbonCliTest, RescoreWithTheSameTableReproducesTheRecordAndKeepsTheOriginal) {
  InstallHourlyTable();
  ASSERT_EQ(Run("rescore-1").exit_code, 0);
  const std::string original = ReadFile(File("carbon", "rescore-1"));

  auto same = RunCommand(
      {kBinary, "carbon", "rescore", "rescore-1", "--table", "eia930-swpp@20261201T000000Z"},
      Env("rescore-1"));
  ASSERT_EQ(same.exit_code, 0) << same.err;
  const std::string same_path = home_.path() +
                                "/telemetry/carbon/kfm-run-rescore-1.rescored-eia930-swpp@"
                                "20261201T000000Z.json";
  EXPECT_EQ(ReadFile(same_path), original);

  auto annual =
      RunCommand({kBinary, "carbon", "rescore", "rescore-1", "--table", "electricitymaps-yearly"},
                 Env("rescore-1"));
  ASSERT_EQ(annual.exit_code, 0) << annual.err;
  EXPECT_NE(annual.out.find("the original is unchanged"), std::string::npos);
  const auto rescored = nlohmann::json::parse(
      ReadFile(home_.path() +
               "/telemetry/carbon/kfm-run-rescore-1.rescored-electricitymaps-yearly@0.19.0.json"));
  const auto& node = rescored["nodes"][0];
  EXPECT_EQ(node["factor_resolution"], "year");
  EXPECT_NEAR(node["gco2e"].get<double>(),
              node["energy_j"].get<double>() / 3.6e6 * ShippedAnnual("US-CENT-SWPP", 2025), 1e-9);
  EXPECT_EQ(ReadFile(File("carbon", "rescore-1")), original);
  EXPECT_EQ(RunCommand({kBinary, "validate", File("carbon", "rescore-1")}).exit_code, 0);

  auto unknown =
      RunCommand({kBinary, "carbon", "rescore", "rescore-1", "--table", "nope"}, Env("rescore-1"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no carbon table nope"), std::string::npos) << unknown.err;
  auto missing = RunCommand(
      {kBinary, "carbon", "rescore", "never-ran", "--table", "electricitymaps-yearly"}, Env("x"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no carbon record for run never-ran"), std::string::npos);
}

TEST_F(CarbonCliTest, TablesListsTheShippedSppFiguresWithTheirSource) {
  auto all = RunCommand({kBinary, "carbon", "tables"}, Env("x"));
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("electricitymaps-yearly@0.19.0  [shipped]"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("ember-country-latest@0.19.0"), std::string::npos);
  EXPECT_NE(all.out.find("Electricity Maps"), std::string::npos);

  auto spp = RunCommand({kBinary, "carbon", "tables", "--region", "SPP_KS", "--json"}, Env("x"));
  ASSERT_EQ(spp.exit_code, 0) << spp.err;
  const auto tables = nlohmann::json::parse(spp.out);
  bool found = false;
  for (const auto& table : tables) {
    if (table["id"] != "electricitymaps-yearly") continue;
    found = true;
    EXPECT_NE(table["source"].get<std::string>().find("Electricity Maps"), std::string::npos);
    EXPECT_EQ(table["licence"], "ODbL-1.0");
    ASSERT_EQ(table["figures"].size(), 5u);
    for (const auto& figure : table["figures"]) {
      const int year = std::stoi(figure["start"].get<std::string>().substr(0, 4));
      EXPECT_DOUBLE_EQ(figure["gco2e_per_kwh"].get<double>(), ShippedAnnual("US-CENT-SWPP", year));
    }
  }
  EXPECT_TRUE(found) << spp.out;
}

TEST_F(CarbonCliTest, LookupGivesTheFactorAndItsProvenance) {
  auto f = RunCommand(
      {kBinary, "carbon", "lookup", "--region", "SWPP", "--at", "2023-06-01T00:00:00Z", "--json"},
      Env("x"));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const auto out = nlohmann::json::parse(f.out);
  EXPECT_DOUBLE_EQ(out["gco2e_per_kwh"].get<double>(), ShippedAnnual("US-CENT-SWPP", 2023));
  EXPECT_EQ(out["resolution"], "year");
  EXPECT_EQ(out["table_region"], "US-CENT-SWPP");
  EXPECT_EQ(out["table"]["sha256"].get<std::string>().size(), 64u);

  auto bad_time = RunCommand({kBinary, "carbon", "lookup", "--at", "yesterday"}, Env("x"));
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.err.find("--at: 'yesterday'"), std::string::npos);
  auto unknown = RunCommand({kBinary, "carbon", "lookup", "--region", "ATLANTIS"}, Env("x"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("known: "), std::string::npos);
  auto opted = RunCommand({kBinary, "carbon", "lookup", "--region", "ATLANTIS"},
                          {"KFM_CARBON_UNKNOWN_REGION=worst-case", "KFM_HOME=" + home_.path()});
  EXPECT_EQ(opted.exit_code, 0) << opted.err;
  EXPECT_NE(opted.out.find("WORST CASE"), std::string::npos) << opted.out;
}

TEST_F(CarbonCliTest, ABadTableStopsTheRunBeforeTheCommandStarts) {
  std::filesystem::create_directories(home_.path() + "/carbon");
  WriteFile(home_.path() + "/carbon/broken@1.csv",
            "region,start,resolution,gco2e_per_kwh\nSWPP,2026-01-01T00:00:00Z,hour,abc\n");
  WriteFile(home_.path() + "/carbon/broken@1.meta.json",
            R"({"id": "broken", "version": "1", "source": "t", "licence": "t",
                "retrieved": "2026-01-01", "basis": "average", "scope": "direct"})");
  const std::string marker = home_.path() + "/ran";
  auto result =
      RunCommand({kBinary, "run", "--node", "x", "--", "/bin/touch", marker}, Env("bad-table"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("broken@1.csv:2: field 'gco2e_per_kwh'"), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(CarbonCliTest, UnknownRegionIsExit2NamingKnownRegions) {
  const auto env = IsolatedRunEnv(home_.path(), "unknown-region", {"KFM_REGION=ATLANTIS"});
  auto result = RunCommand({kBinary, "run", "--node", "x", "--", "/bin/true"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown grid region 'ATLANTIS'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("US-CENT-SWPP"), std::string::npos);
}

TEST_F(CarbonCliTest, HostDescriptionAddsEmbodiedEmissionsToSci) {
  std::filesystem::create_directories(home_.path());
  WriteFile(home_.path() + "/host.json",
            R"({"embodied_kgco2e": 1500, "lifetime_years": 4, "share": 0.5,
                "source": "vendor product carbon footprint"})");
  ASSERT_EQ(Run("sci-1", 0.1).exit_code, 0);
  const auto carbon = nlohmann::json::parse(ReadFile(File("carbon", "sci-1")));
  const auto& node = carbon["nodes"][0];
  const double m = 1500e3 * node["duration_s"].get<double>() / (4 * 365.25 * 86400) * 0.5;
  EXPECT_NEAR(node["sci"]["embodied_gco2e"].get<double>(), m, 1e-12 * m);
  EXPECT_NEAR(node["sci"]["gco2e_per_record"].get<double>(),
              (node["gco2e"].get<double>() + m) / 2000, 1e-12);
  auto attrs = FirstSpanAttributes(home_.path() + "/telemetry/otel/spans-kfm-run-sci-1.json");
  EXPECT_NEAR(attrs["sci.embodied_gco2e"]["doubleValue"].get<double>(), m, 1e-12 * m);

  WriteFile(home_.path() + "/host.json", R"({"embodied_kgco2e": 1500})");
  auto bad = Run("sci-2", 0.01);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("host.json: field 'lifetime_years'"), std::string::npos) << bad.err;
}

// `carbon import` writes into $KFM_HOME/carbon/, and lookups (so runs) use it at once, through
// the region aliases, ahead of the coarser shipped tables.
TEST_F(CarbonCliTest, ImportedHourlyTablesAreUsedByLookup) {
  const std::string fixtures = std::string(KFM_FIXTURES_DIR) + "/carbon/import/";
  for (const auto& [format, file] : std::vector<std::pair<std::string, std::string>>{
           {"eia930", "EIA930_BALANCE_2025_Jan_Jun.csv"},
           {"electricitymaps", "US-CENT-SWPP_2024_hourly.csv"}}) {
    auto imported =
        RunCommand({kBinary, "carbon", "import", "--format", format, fixtures + file}, Env("x"));
    ASSERT_EQ(imported.exit_code, 0) << format << ": " << imported.err;
    EXPECT_NE(imported.out.find("written " + home_.path() + "/carbon/"), std::string::npos)
        << imported.out;
  }
  // Every imported row is what lookup returns for its hour.
  size_t rows = 0;
  for (const auto& entry : std::filesystem::directory_iterator(home_.path() + "/carbon")) {
    if (entry.path().extension() != ".csv") continue;
    std::istringstream csv(ReadFile(entry.path().string()));
    std::string line;
    std::getline(csv, line);
    ASSERT_EQ(line, "region,start,resolution,gco2e_per_kwh");
    while (std::getline(csv, line)) {
      const auto c1 = line.find(','), c2 = line.find(',', c1 + 1), c3 = line.rfind(',');
      const std::string start = line.substr(c1 + 1, c2 - c1 - 1);
      auto f = RunCommand(
          {kBinary, "carbon", "lookup", "--region", "SPP_KS", "--at", start, "--json"}, Env("x"));
      ASSERT_EQ(f.exit_code, 0) << f.err;
      const auto out = nlohmann::json::parse(f.out);
      EXPECT_EQ(out["resolution"], "hour") << start;
      EXPECT_DOUBLE_EQ(out["gco2e_per_kwh"].get<double>(), std::stod(line.substr(c3 + 1))) << start;
      EXPECT_EQ(out["table"]["origin"], home_.path() + "/carbon");
      ++rows;
    }
  }
  EXPECT_GE(rows, 4u);
  auto bad = RunCommand({kBinary, "carbon", "import", "--format", "watttime", fixtures + "x.csv"},
                        Env("x"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--format"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kfm::testing
