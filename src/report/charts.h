// The report's charts as self-contained inline SVG, drawn here without a chart library: a
// stacked bar chart (energy per node per run, gCO2e per run with a budget line), a time series
// with a baseline band (J/record) and a share bar (measured vs modelled). Every data string is
// escaped; every mark (bar segment, point, share segment) carries class "mark" and a <title>
// tooltip, so the charts need no script. Modelled figures are hatched or drawn hollow and say
// "modelled" in their legend and tooltip. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kfm::report {

struct ChartFrame {
  std::string id;      // data-chart attribute and element id prefix ([a-z0-9-], not user data)
  std::string title;   // drawn at the top
  std::string y_unit;  // e.g. "J", "gCO2e"
  int width = 700;
  int height = 320;
};

// A horizontal reference line (a budget).
struct ReferenceLine {
  double value = 0;
  std::string label;
};

struct StackedBarChart {
  ChartFrame frame;
  std::vector<std::string> series;      // legend entries, one colour each (node names)
  std::vector<std::string> categories;  // x labels, one bar each (runs)
  std::vector<bool> modelled;           // per category: hatched and labelled modelled
  // values[category][series]; a zero segment draws no mark.
  std::vector<std::vector<double>> values;
  std::vector<std::string> category_tooltips;  // first line of each segment's tooltip
  std::optional<ReferenceLine> reference;
};

struct TimeSeriesPoint {
  std::int64_t unix_nano = 0;
  double value = 0;
  std::string tooltip;
};

// A baseline at one time: centre line and the band [lo, hi].
struct BandPoint {
  std::int64_t unix_nano = 0;
  double lo = 0;
  double mid = 0;
  double hi = 0;
};

struct TimeSeries {
  std::string name;  // legend
  bool modelled = false;
  std::vector<TimeSeriesPoint> points;  // oldest first
  std::vector<BandPoint> band;          // oldest first; drawn under the points
};

struct TimeSeriesChart {
  ChartFrame frame;
  std::vector<TimeSeries> series;
  std::string band_label;  // legend text of the band
  std::optional<ReferenceLine> reference;
};

struct SharePart {
  std::string label;
  double value = 0;
  bool modelled = false;
  std::string tooltip;
};

struct ShareChart {
  ChartFrame frame;
  std::string unit;  // of the values, e.g. "J"
  std::vector<SharePart> parts;
};

// The number of marks each chart draws (for tests and the page's data-marks attribute).
int CountMarks(const StackedBarChart& chart);
int CountMarks(const TimeSeriesChart& chart);
int CountMarks(const ShareChart& chart);

std::string RenderSvg(const StackedBarChart& chart);
std::string RenderSvg(const TimeSeriesChart& chart);
std::string RenderSvg(const ShareChart& chart);

// The colour of the i-th series (a colour-blind-safe palette, repeating).
std::string SeriesColor(std::size_t index);

}  // namespace kfm::report
