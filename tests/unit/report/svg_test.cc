#include "report/svg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

namespace kfm::report {
namespace {

// An independent reading of the five entities EscapeXml may produce.
std::string Unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t end = text.find(';', i);
    const std::string entity = text.substr(i, end - i + 1);
    if (entity == "&amp;") out += '&';
    if (entity == "&lt;") out += '<';
    if (entity == "&gt;") out += '>';
    if (entity == "&quot;") out += '"';
    if (entity == "&#39;") out += '\'';
    i = end;
  }
  return out;
}

TEST(Svg, EscapedTextHasNoMarkupCharactersAndRoundTrips) {
  const std::string hostile = "<script>alert(1)</script> & \"quoted\" 'single' </svg><img src=x>";
  const std::string escaped = EscapeXml(hostile);
  for (char c : std::string("<>\"'")) EXPECT_EQ(escaped.find(c), std::string::npos) << c;
  EXPECT_EQ(Unescape(escaped), hostile);
  EXPECT_EQ(EscapeXml("plain_node-1.2"), "plain_node-1.2");
}

TEST(Svg, FiguresKeepTheirSignificantDigits) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> exponent(-9, 9);
  for (int i = 0; i < 500; ++i) {
    const double value = std::pow(10.0, exponent(rng)) * (i % 2 == 0 ? 1 : -1);
    const std::string text = FormatFigure(value, 3);
    char* end = nullptr;
    const double back = std::strtod(text.c_str(), &end);
    ASSERT_EQ(*end, '\0') << text;
    // Three significant digits: the relative error of rounding is at most half a unit of the
    // third digit.
    EXPECT_LE(std::fabs(back - value) / std::fabs(value), 0.005 + 1e-12) << value << " " << text;
  }
  EXPECT_EQ(FormatFigure(0), "0");
  EXPECT_EQ(FormatFigure(NAN), "n/a");
}

TEST(Svg, NiceScaleCoversTheDataWithEvenOneTwoFiveSteps) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> exponent(-6, 6);
  for (int i = 0; i < 300; ++i) {
    const double max = std::pow(10.0, exponent(rng));
    const Scale scale = NiceScale(0, max);
    ASSERT_GE(scale.ticks.size(), 2u);
    EXPECT_EQ(scale.lo, 0);
    EXPECT_GE(scale.hi, max);
    const double step = scale.ticks[1] - scale.ticks[0];
    EXPECT_LT(scale.hi - step, max) << "no empty step at the top";
    for (std::size_t t = 1; t < scale.ticks.size(); ++t) {
      EXPECT_NEAR(scale.ticks[t] - scale.ticks[t - 1], step, step * 1e-9);
    }
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-12));
    const bool nice = std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 ||
                      std::fabs(mantissa - 2.5) < 1e-9 || std::fabs(mantissa - 5) < 1e-9;
    EXPECT_TRUE(nice) << step;
  }
  const Scale flat = NiceScale(0, 0);
  EXPECT_GT(flat.hi, flat.lo);
}

TEST(Svg, TimesAreUtc) {
  // 2025-12-01T00:00:00Z plus 10 h 21 min 5 s.
  const std::int64_t t = (1'764'547'200LL + 10 * 3600 + 21 * 60 + 5) * 1'000'000'000LL;
  EXPECT_EQ(ShortUtc(t), "12-01 10:21");
  EXPECT_EQ(LongUtc(t), "2025-12-01 10:21:05 UTC");
}

}  // namespace
}  // namespace kfm::report
