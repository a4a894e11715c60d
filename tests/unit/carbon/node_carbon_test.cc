// Joules -> gCO2e for a node: hour by hour, energy-weighted intensity, SCI with embodied
// emissions, and the carbon record's determinism that rescoring relies on.
#include "carbon/node_carbon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "subprocess.h"

namespace kfm::carbon {
namespace {

int64_t At(const std::string& utc) {
  int64_t s = 0;
  EXPECT_TRUE(ParseUtcSeconds(utc, &s)) << utc;
  return s;
}

class NodeCarbonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("hourly", "1",
          "SWPP,2026-11-25T04:00:00Z,hour,410\n"
          "SWPP,2026-11-25T05:00:00Z,hour,380\n");
    Write("annual", "1", "SWPP,2025-01-01T00:00:00Z,year,477\n");
    Write("other", "0", "SWPP,2025-01-01T00:00:00Z,year,100\n");  // older: never chosen
    LoadOptions options;
    options.shipped = false;
    options.extra = {dir_.path()};
    auto set = TableSet::Load(options);
    ASSERT_TRUE(set.ok()) << set.status().message();
    set_ = std::move(*set);
  }
  void Write(const std::string& id, const std::string& version, const std::string& rows) {
    const std::string stem = dir_.path() + "/" + id + "@" + version;
    testing::WriteFile(stem + ".csv", "region,start,resolution,gco2e_per_kwh\n" + rows);
    testing::WriteFile(stem + ".meta.json",
                       R"({"id": ")" + id + R"(", "version": ")" + version +
                           R"(", "source": "test", "licence": "CC0-1.0", "retrieved": "2026-11-30",
                           "basis": "average", "scope": "lifecycle"})");
  }
  NodeCarbonInput Input(const std::string& node, std::vector<EnergyHour> hours) const {
    NodeCarbonInput in;
    in.node = node;
    in.trace_id = std::string(32, 'a');
    in.span_id = std::string(15, 'b') + std::to_string(node.size() % 10);
    in.start_time = "2026-11-25T04:30:00.000000Z";
    in.end_time = "2026-11-25T06:10:00.000000Z";
    in.duration_s = 6000;
    in.region = "SPP_KS";
    in.hours = std::move(hours);
    return in;
  }
  testing::TempDir dir_;
  TableSet set_;
};

TEST_F(NodeCarbonTest, EachHoursJoulesTimesThatHoursFactor) {
  // Across two hour boundaries: two hourly factors, then an hour without one (the annual).
  const std::vector<EnergyHour> hours = {{At("2026-11-25T04:00:00Z"), Joules(1.8e6)},
                                         {At("2026-11-25T05:00:00Z"), Joules(3.6e6)},
                                         {At("2026-11-25T06:00:00Z"), Joules(0.9e6)}};
  auto c = ScoreNode(set_, Input("n", hours));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const double expected = 0.5 * 410 + 1.0 * 380 + 0.25 * 477;  // kWh x g/kWh per hour
  EXPECT_NEAR(c->operational.value(), expected, 1e-9 * expected);
  EXPECT_NEAR(c->intensity.value(), expected / 1.75, 1e-9);  // energy-weighted
  EXPECT_DOUBLE_EQ(c->energy.value(), 6.3e6);
  ASSERT_EQ(c->hours.size(), 3u);
  EXPECT_EQ(c->hours[0].factor.resolution, Resolution::kHour);
  EXPECT_EQ(c->hours[2].factor.resolution, Resolution::kYear);
  // The span reports the coarsest resolution that carried energy, and its table.
  EXPECT_EQ(c->summary.resolution, Resolution::kYear);
  EXPECT_EQ(c->summary.table->meta.id, "annual");
}

TEST_F(NodeCarbonTest, AllHourlyGivesHourResolution) {
  auto c = ScoreNode(set_, Input("n", {{At("2026-11-25T04:00:00Z"), Joules(1000)},
                                       {At("2026-11-25T05:00:00Z"), Joules(0)}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->summary.resolution, Resolution::kHour);
  EXPECT_DOUBLE_EQ(c->intensity.value(), 410);
}

TEST_F(NodeCarbonTest, ZeroEnergyReportsTheFactorItself) {
  auto c = ScoreNode(set_, Input("n", {{At("2026-11-25T05:00:00Z"), Joules(0)}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->operational.value(), 0);
  EXPECT_DOUBLE_EQ(c->intensity.value(), 380);
}

TEST_F(NodeCarbonTest, SciAddsEmbodiedEmissionsPerRecord) {
  NodeCarbonInput in = Input("n", {{At("2026-11-25T04:00:00Z"), Joules(3.6e6)}});
  in.records_out = 1000;
  in.embodied = Embodied{1200, 4, 0.5, "vendor PCF sheet"};
  auto c = ScoreNode(set_, in);
  ASSERT_TRUE(c.ok());
  const double m = 1200e3 * 6000 / (4 * 365.25 * 86400) * 0.5;  // TE x TiR/EL x share, grams
  EXPECT_NEAR(c->embodied.value(), m, 1e-12 * m);
  ASSERT_TRUE(c->gco2e_per_record.has_value());
  EXPECT_NEAR(*c->gco2e_per_record, (410 + m) / 1000, 1e-12);
  // No records: no SCI, but the operational figure stands.
  in.records_out = 0;
  auto none = ScoreNode(set_, in);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->gco2e_per_record.has_value());
}

TEST(EmbodiedTest, HostDescriptionIsCheckedFieldByField) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/host.json";
  auto missing = LoadEmbodied(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  testing::WriteFile(path, R"({"embodied_kgco2e": 900, "lifetime_years": 5, "source": "x"})");
  auto ok = LoadEmbodied(path);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_DOUBLE_EQ((*ok)->share, 1.0);
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"embodied_kgco2e": 900, "lifetime_years": 5, "source": "x", "colour": 1})",
            "colour"},
           {R"({"embodied_kgco2e": 900, "lifetime_years": 0, "source": "x"})", "lifetime_years"},
           {R"({"embodied_kgco2e": 900, "lifetime_years": 5, "share": 2, "source": "x"})", "share"},
           {R"({"embodied_kgco2e": "900", "lifetime_years": 5, "source": "x"})", "embodied_kgco2e"},
           {R"({"embodied_kgco2e": 900, "lifetime_years": 5})", "source"}}) {
    testing::WriteFile(path, text);
    auto bad = LoadEmbodied(path);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find(path + ": field '" + field + "'"), std::string::npos)
        << bad.status().message();
  }
}

TEST_F(NodeCarbonTest, RunDocumentIsTheSameWhateverOrderNodesFinishIn) {
  std::vector<NodeCarbon> nodes;
  for (const char* name : {"alpha", "beta", "gamma", "delta"}) {
    NodeCarbonInput in = Input(name, {{At("2026-11-25T04:00:00Z"), Joules(1e5 * strlen(name))}});
    in.span_id = std::string(12, 'c') + std::string(name).substr(0, 4);
    for (char& ch : in.span_id) ch = "0123456789abcdef"[static_cast<unsigned char>(ch) % 16];
    auto c = ScoreNode(set_, in);
    ASSERT_TRUE(c.ok());
    nodes.push_back(std::move(*c));
  }
  nlohmann::json reference;
  for (const auto& n : nodes) MergeIntoRunDocument(reference, "run-1", n);
  std::mt19937 random(42);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(nodes.begin(), nodes.end(), random);
    nlohmann::json doc;
    for (const auto& n : nodes) MergeIntoRunDocument(doc, "run-1", n);
    EXPECT_EQ(doc.dump(2), reference.dump(2));
  }
  EXPECT_EQ(reference["nodes"].size(), 4u);
  EXPECT_EQ(reference["tables"].size(), 1u);
  EXPECT_TRUE(reference["tables"].contains("hourly@1"));
}

// The property rescoring rests on: the same record, scored again with the table it used,
// comes back byte for byte; with another table, it changes only the carbon figures.
TEST_F(NodeCarbonTest, RescoringWithTheSameTableReproducesTheRecordByteForByte) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> joules(0, 5e6);
  for (int trial = 0; trial < 25; ++trial) {
    nlohmann::json original;
    for (int n = 0; n < 3; ++n) {
      NodeCarbonInput in = Input("node" + std::to_string(n), {});
      in.span_id = "00000000000000" + std::to_string(10 + n);
      in.start_time = "2026-11-25T0" + std::to_string(4 + n % 2) + ":00:00.000001Z";
      const int64_t first = At("2026-11-25T03:00:00Z") + 3600 * (trial % 3);
      for (int h = 0; h < 1 + (trial + n) % 4; ++h)
        in.hours.push_back({first + 3600 * h, Joules(joules(random))});
      in.records_out = trial % 2 == 0 ? std::optional<int64_t>(1 + trial * 17) : std::nullopt;
      if (trial % 3 == 0) in.embodied = Embodied{1500, 4.5, 0.25, "test"};
      auto c = ScoreNode(set_, in);
      ASSERT_TRUE(c.ok());
      MergeIntoRunDocument(original, "run-" + std::to_string(trial), *c);
    }
    const std::string text = original.dump(2);
    auto again = RescoreDocument(nlohmann::json::parse(text), set_, "original.json");
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->dump(2), text) << "trial " << trial;

    auto other = set_.Find("other");
    ASSERT_TRUE(other.ok());
    auto rescored = RescoreDocument(original, set_.Only(*other), "original.json");
    ASSERT_TRUE(rescored.ok()) << rescored.status().message();
    EXPECT_NE(rescored->dump(2), text);
    for (size_t i = 0; i < original["nodes"].size(); ++i) {
      EXPECT_EQ((*rescored)["nodes"][i]["energy_j"], original["nodes"][i]["energy_j"]);
      EXPECT_EQ((*rescored)["nodes"][i]["table_id"], "other");
      EXPECT_EQ((*rescored)["nodes"][i]["hours"][0]["gco2e_per_kwh"], 100.0);
    }
  }
}

TEST_F(NodeCarbonTest, RescoreRefusesWhatIsNotACarbonRecord) {
  auto bad = RescoreDocument(nlohmann::json{{"schema", "kfm.energy.v2"}}, set_, "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x.json: not a kfm.carbon.v2"), std::string::npos);
  auto broken = RescoreDocument(
      nlohmann::json{{"schema", "kfm.carbon.v2"}, {"nodes", {{{"node", "a"}}}}}, set_, "x.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("x.json: /nodes/0"), std::string::npos)
      << broken.status().message();
}

}  // namespace
}  // namespace kfm::carbon
