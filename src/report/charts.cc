#include "report/charts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "report/svg.h"

namespace kfm::report {
namespace {

constexpr int kLeft = 78;
constexpr int kRight = 24;
constexpr int kBottom = 70;
constexpr int kTitleHeight = 26;
constexpr int kLegendRow = 18;
constexpr double kCharWidth = 6.6;  // of 11 px sans-serif, for laying out the legend

struct Legend {
  std::string svg;
  int rows = 0;
};

struct LegendEntry {
  std::string label;
  std::string color;
  bool hatched = false;
  bool hollow = false;  // hollow square marker (modelled points)
  bool band = false;
};

std::string Num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return buffer;
}

std::string Attr(const std::string& name, double value) {
  return " " + name + "=\"" + Num(value) + "\"";
}

std::string HatchId(const ChartFrame& frame) { return frame.id + "-hatch"; }

std::string Open(const ChartFrame& frame, int height, int marks) {
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"" +
                    EscapeXml(frame.id) + "\" data-marks=\"" + std::to_string(marks) +
                    "\" viewBox=\"0 0 " + std::to_string(frame.width) + " " +
                    std::to_string(height) + "\" width=\"" + std::to_string(frame.width) +
                    "\" height=\"" + std::to_string(height) + "\" role=\"img\" aria-labelledby=\"" +
                    EscapeXml(frame.id) + "-title\">";
  svg += "<title id=\"" + EscapeXml(frame.id) + "-title\">" + EscapeXml(frame.title) + "</title>";
  svg += "<defs><pattern id=\"" + HatchId(frame) +
         "\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
         "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
         "stroke=\"#ffffff\" stroke-width=\"2.5\" stroke-opacity=\"0.8\"/></pattern></defs>";
  svg += "<text class=\"chart-title\" x=\"" + std::to_string(kLeft) +
         "\" y=\"18\" font-size=\"14\" font-weight=\"600\">" + EscapeXml(frame.title) + "</text>";
  return svg;
}

Legend DrawLegend(const std::vector<LegendEntry>& entries, const ChartFrame& frame) {
  Legend legend;
  if (entries.empty()) return legend;
  legend.rows = 1;
  double x = kLeft;
  const double right = frame.width - kRight;
  for (const auto& entry : entries) {
    const double width = 18 + kCharWidth * static_cast<double>(entry.label.size()) + 14;
    if (x + width > right && x > kLeft) {
      x = kLeft;
      ++legend.rows;
    }
    const double y = kTitleHeight + (legend.rows - 1) * kLegendRow + 4;
    legend.svg += "<g class=\"legend-entry\">";
    if (entry.band) {
      legend.svg += "<rect" + Attr("x", x) + Attr("y", y) + " width=\"12\" height=\"12\" fill=\"" +
                    entry.color + "\" fill-opacity=\"0.22\" stroke=\"" + entry.color +
                    "\" stroke-dasharray=\"3 2\"/>";
    } else if (entry.hollow) {
      legend.svg += "<rect" + Attr("x", x + 1) + Attr("y", y + 1) +
                    " width=\"10\" height=\"10\" fill=\"#ffffff\" stroke=\"" + entry.color +
                    "\" stroke-width=\"2\"/>";
    } else {
      legend.svg += "<rect" + Attr("x", x) + Attr("y", y) + " width=\"12\" height=\"12\" fill=\"" +
                    entry.color + "\"/>";
      if (entry.hatched) {
        legend.svg += "<rect" + Attr("x", x) + Attr("y", y) +
                      " width=\"12\" height=\"12\" fill=\"url(#" + HatchId(frame) + ")\"/>";
      }
    }
    legend.svg += "<text" + Attr("x", x + 17) + Attr("y", y + 10) + " font-size=\"11\">" +
                  EscapeXml(entry.label) + "</text></g>";
    x += width;
  }
  return legend;
}

struct Plot {
  double left = kLeft;
  double top = 0;
  double right = 0;
  double bottom = 0;
  [[nodiscard]] double width() const { return right - left; }
  [[nodiscard]] double height() const { return bottom - top; }
};

Plot MakePlot(const ChartFrame& frame, int legend_rows) {
  Plot plot;
  plot.top = kTitleHeight + legend_rows * kLegendRow + 14;
  plot.right = frame.width - kRight;
  plot.bottom = plot.top + std::max(120, frame.height - kBottom - kTitleHeight - 14);
  return plot;
}

int TotalHeight(const Plot& plot) { return static_cast<int>(plot.bottom) + kBottom; }

double MapY(const Scale& scale, const Plot& plot, double value) {
  return plot.bottom - (value - scale.lo) / (scale.hi - scale.lo) * plot.height();
}

std::string DrawYAxis(const Scale& scale, const Plot& plot, const std::string& unit) {
  std::string svg = "<g class=\"axis y-axis\" font-size=\"11\">";
  for (double tick : scale.ticks) {
    const double y = MapY(scale, plot, tick);
    svg += "<line" + Attr("x1", plot.left) + Attr("x2", plot.right) + Attr("y1", y) +
           Attr("y2", y) + " stroke=\"#e3e3e3\"/>";
    svg += "<text" + Attr("x", plot.left - 6) + Attr("y", y + 4) + " text-anchor=\"end\">" +
           EscapeXml(FormatFigure(tick)) + "</text>";
  }
  svg += "<line" + Attr("x1", plot.left) + Attr("x2", plot.left) + Attr("y1", plot.top) +
         Attr("y2", plot.bottom) + " stroke=\"#555\"/>";
  svg += "<line" + Attr("x1", plot.left) + Attr("x2", plot.right) + Attr("y1", plot.bottom) +
         Attr("y2", plot.bottom) + " stroke=\"#555\"/>";
  const double mid = (plot.top + plot.bottom) / 2;
  svg += "<text class=\"axis-unit\" transform=\"translate(16," + Num(mid) +
         ") rotate(-90)\" text-anchor=\"middle\">" + EscapeXml(unit) + "</text></g>";
  return svg;
}

std::string DrawReference(const ReferenceLine& line, const Scale& scale, const Plot& plot) {
  const double y = MapY(scale, plot, line.value);
  return "<g class=\"reference\"><line" + Attr("x1", plot.left) + Attr("x2", plot.right) +
         Attr("y1", y) + Attr("y2", y) +
         " stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text" +
         Attr("x", plot.right - 4) + Attr("y", y - 5) +
         " text-anchor=\"end\" font-size=\"11\" fill=\"#c0392b\">" + EscapeXml(line.label) +
         "</text></g>";
}

std::string Close(const std::string& shape_open) {
  return "</" + shape_open.substr(1, shape_open.find(' ') - 1) + ">";
}

std::string MarkElement(const std::string& shape_open, const std::string& tooltip) {
  return shape_open + " class=\"mark\" data-tip=\"" + EscapeXml(tooltip) + "\"><title>" +
         EscapeXml(tooltip) + "</title>" + Close(shape_open);
}

std::string ShareColor(bool modelled) { return modelled ? "#E69F00" : "#0072B2"; }

std::string EmptyNote(const Plot& plot, const std::string& text) {
  return "<text class=\"empty-note\"" + Attr("x", (plot.left + plot.right) / 2) +
         Attr("y", (plot.top + plot.bottom) / 2) +
         " text-anchor=\"middle\" font-size=\"13\" fill=\"#666\">" + EscapeXml(text) + "</text>";
}

}  // namespace

std::string SeriesColor(std::size_t index) {
  // Okabe-Ito, then Tol's muted: distinguishable with the common colour-vision deficiencies.
  static constexpr std::array<const char*, 14> kPalette = {
      "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
      "#332288", "#88CCEE", "#117733", "#999933", "#882255", "#44AA99", "#AA4499"};
  return kPalette[index % kPalette.size()];
}

int CountMarks(const StackedBarChart& chart) {
  int marks = 0;
  for (const auto& row : chart.values) {
    for (double value : row) marks += value > 0 ? 1 : 0;
  }
  return marks;
}

int CountMarks(const TimeSeriesChart& chart) {
  int marks = 0;
  for (const auto& series : chart.series) marks += static_cast<int>(series.points.size());
  return marks;
}

int CountMarks(const ShareChart& chart) {
  int marks = 0;
  for (const auto& part : chart.parts) marks += part.value > 0 ? 1 : 0;
  return marks;
}

std::string RenderSvg(const StackedBarChart& chart) {
  const ChartFrame& frame = chart.frame;
  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    entries.push_back({chart.series[i], SeriesColor(i)});
  }
  if (std::find(chart.modelled.begin(), chart.modelled.end(), true) != chart.modelled.end()) {
    entries.push_back({"hatched: modelled", "#888888", true});
  }
  const Legend legend = DrawLegend(entries, frame);
  const Plot plot = MakePlot(frame, legend.rows);
  std::string svg = Open(frame, TotalHeight(plot), CountMarks(chart)) + legend.svg;

  double max_total = 0;
  for (const auto& row : chart.values) {
    double total = 0;
    for (double value : row) total += std::max(0.0, value);
    max_total = std::max(max_total, total);
  }
  if (chart.reference) max_total = std::max(max_total, chart.reference->value);
  const Scale scale = NiceScale(0, max_total * 1.05);
  svg += DrawYAxis(scale, plot, frame.y_unit);

  const std::size_t n = chart.categories.size();
  if (n == 0) {
    svg += EmptyNote(plot, "no runs");
    return svg + "</svg>";
  }
  const double band = plot.width() / static_cast<double>(n);
  const double bar = std::min(44.0, band * 0.72);
  const std::size_t max_labels =
      std::max<std::size_t>(1, static_cast<std::size_t>(plot.width() / 26));
  const std::size_t label_every = (n + max_labels - 1) / max_labels;
  svg += "<g class=\"marks\">";
  for (std::size_t c = 0; c < n; ++c) {
    const double x = plot.left + band * (static_cast<double>(c) + 0.5) - bar / 2;
    const bool modelled = c < chart.modelled.size() && chart.modelled[c];
    double stacked = 0;
    const auto& row = c < chart.values.size() ? chart.values[c] : std::vector<double>{};
    for (std::size_t s = 0; s < row.size(); ++s) {
      if (row[s] <= 0) continue;
      const double y0 = MapY(scale, plot, stacked);
      const double y1 = MapY(scale, plot, stacked + row[s]);
      stacked += row[s];
      const std::string head = c < chart.category_tooltips.size() ? chart.category_tooltips[c] : "";
      std::string tooltip = head + (head.empty() ? "" : "\n") +
                            (s < chart.series.size() ? chart.series[s] : std::string()) + ": " +
                            FormatFigure(row[s], 4) + " " + frame.y_unit +
                            (modelled ? " (modelled)" : "");
      const std::string shape = "<rect" + Attr("x", x) + Attr("y", y1) + Attr("width", bar) +
                                Attr("height", std::max(0.5, y0 - y1)) + " fill=\"" +
                                SeriesColor(s) + "\"";
      svg += MarkElement(shape, tooltip);
      if (modelled) {
        svg += "<rect" + Attr("x", x) + Attr("y", y1) + Attr("width", bar) +
               Attr("height", std::max(0.5, y0 - y1)) + " fill=\"url(#" + HatchId(frame) +
               ")\" pointer-events=\"none\"/>";
      }
    }
    if (c % label_every == 0) {
      const double lx = plot.left + band * (static_cast<double>(c) + 0.5);
      svg += "<text class=\"x-label\" font-size=\"10\" text-anchor=\"end\" transform=\"translate(" +
             Num(lx + 3) + "," + Num(plot.bottom + 12) + ") rotate(-40)\">" +
             EscapeXml(chart.categories[c]) + (modelled ? " (M)" : "") + "</text>";
    }
  }
  svg += "</g>";
  if (chart.reference) svg += DrawReference(*chart.reference, scale, plot);
  return svg + "</svg>";
}

std::string RenderSvg(const TimeSeriesChart& chart) {
  const ChartFrame& frame = chart.frame;
  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& series = chart.series[i];
    entries.push_back({series.name, SeriesColor(i), false, series.modelled});
    if (!series.band.empty()) {
      entries.push_back(
          {chart.band_label + " (" + series.name + ")", SeriesColor(i), false, false, true});
    }
  }
  const Legend legend = DrawLegend(entries, frame);
  const Plot plot = MakePlot(frame, legend.rows);
  std::string svg = Open(frame, TotalHeight(plot), CountMarks(chart)) + legend.svg;

  std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
  std::int64_t t1 = std::numeric_limits<std::int64_t>::min();
  double max_value = -std::numeric_limits<double>::infinity();
  double min_value = std::numeric_limits<double>::infinity();
  for (const auto& series : chart.series) {
    for (const auto& p : series.points) {
      t0 = std::min(t0, p.unix_nano);
      t1 = std::max(t1, p.unix_nano);
      max_value = std::max(max_value, p.value);
      min_value = std::min(min_value, p.value);
    }
    for (const auto& b : series.band) {
      max_value = std::max(max_value, b.hi);
      min_value = std::min(min_value, b.lo);
    }
  }
  if (chart.reference) {
    max_value = std::max(max_value, chart.reference->value);
    min_value = std::min(min_value, chart.reference->value);
  }
  if (min_value > max_value) min_value = max_value = 0;  // nothing to draw
  // Lines need no zero: the axis starts a little below the lowest value, so that run-to-run
  // changes stay visible (the tick labels say where it starts).
  const double range = max_value - min_value;
  const bool zero = min_value <= 0 || range <= 0 || min_value < range;
  const Scale scale = zero ? NiceScale(std::min(0.0, min_value), max_value * 1.05)
                           : NiceScale(min_value - 0.15 * range, max_value + 0.1 * range, 5, false);
  svg += DrawYAxis(scale, plot, frame.y_unit);
  if (t0 > t1) {
    svg += EmptyNote(plot, "no run reported records");
    return svg + "</svg>";
  }
  constexpr std::int64_t kMinute = 60'000'000'000;
  if (t1 == t0) {  // one point in time: centre it in a two-minute span
    t0 -= kMinute;
    t1 += kMinute;
  }
  // Runs within a few hours of each other are told apart by their seconds.
  const bool close_together = t1 - t0 < 3 * 60 * kMinute;
  const double pad = static_cast<double>(t1 - t0) * 0.05;
  const double x_lo = static_cast<double>(t0) - pad;
  const double x_hi = static_cast<double>(t1) + pad;
  auto map_x = [&](std::int64_t t) {
    return plot.left + (static_cast<double>(t) - x_lo) / (x_hi - x_lo) * plot.width();
  };
  svg += "<g class=\"axis x-axis\" font-size=\"10\">";
  constexpr int kTicks = 5;
  for (int i = 0; i <= kTicks; ++i) {
    const auto t = static_cast<std::int64_t>(x_lo + (x_hi - x_lo) * i / kTicks);
    const double x = map_x(t);
    svg += "<line" + Attr("x1", x) + Attr("x2", x) + Attr("y1", plot.bottom) +
           Attr("y2", plot.bottom + 4) + " stroke=\"#555\"/>";
    // The outer labels keep inside the chart.
    const char* anchor = i == 0 ? "start" : (i == kTicks ? "end" : "middle");
    svg += "<text" + Attr("x", x) + Attr("y", plot.bottom + 17) + " text-anchor=\"" + anchor +
           "\">" + EscapeXml(close_together ? ClockUtc(t) : ShortUtc(t)) + "</text>";
  }
  svg += "<text" + Attr("x", (plot.left + plot.right) / 2) + Attr("y", plot.bottom + 36) +
         " text-anchor=\"middle\" font-size=\"11\">run start (UTC)</text></g>";

  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& series = chart.series[i];
    const std::string color = SeriesColor(i);
    if (!series.band.empty()) {
      std::string upper, lower, mid;
      for (const auto& b : series.band) {
        upper += Num(map_x(b.unix_nano)) + "," + Num(MapY(scale, plot, b.hi)) + " ";
        mid += Num(map_x(b.unix_nano)) + "," + Num(MapY(scale, plot, b.mid)) + " ";
      }
      for (auto it = series.band.rbegin(); it != series.band.rend(); ++it) {
        lower += Num(map_x(it->unix_nano)) + "," + Num(MapY(scale, plot, it->lo)) + " ";
      }
      svg += "<g class=\"band\"><polygon points=\"" + upper + lower + "\" fill=\"" + color +
             "\" fill-opacity=\"0.18\" stroke=\"none\"/><polyline points=\"" + mid +
             "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/></g>";
    }
    std::string line;
    for (const auto& p : series.points) {
      line += Num(map_x(p.unix_nano)) + "," + Num(MapY(scale, plot, p.value)) + " ";
    }
    svg += "<polyline class=\"series-line\" points=\"" + line + "\" fill=\"none\" stroke=\"" +
           color + "\" stroke-width=\"1.2\" stroke-opacity=\"0.6\"/>";
    svg += "<g class=\"marks\">";
    for (const auto& p : series.points) {
      const double x = map_x(p.unix_nano);
      const double y = MapY(scale, plot, p.value);
      const std::string tooltip = p.tooltip + (series.modelled ? " (modelled)" : "");
      if (series.modelled) {
        svg += MarkElement("<rect" + Attr("x", x - 4) + Attr("y", y - 4) +
                               " width=\"8\" height=\"8\" fill=\"#ffffff\" stroke=\"" + color +
                               "\" stroke-width=\"2\"",
                           tooltip);
      } else {
        svg += MarkElement(
            "<circle" + Attr("cx", x) + Attr("cy", y) + " r=\"4\" fill=\"" + color + "\"", tooltip);
      }
    }
    svg += "</g>";
  }
  if (chart.reference) svg += DrawReference(*chart.reference, scale, plot);
  return svg + "</svg>";
}

std::string RenderSvg(const ShareChart& chart) {
  ChartFrame frame = chart.frame;
  std::vector<LegendEntry> entries;
  double total = 0;
  for (std::size_t i = 0; i < chart.parts.size(); ++i) {
    const auto& part = chart.parts[i];
    total += std::max(0.0, part.value);
  }
  for (std::size_t i = 0; i < chart.parts.size(); ++i) {
    const auto& part = chart.parts[i];
    const double pct = total > 0 ? 100.0 * part.value / total : 0;
    entries.push_back({part.label + ": " + FormatFigure(part.value, 4) + " " + chart.unit + " (" +
                           FormatFigure(pct, 3) + "%)",
                       ShareColor(part.modelled), part.modelled});
  }
  const Legend legend = DrawLegend(entries, frame);
  const int top = kTitleHeight + legend.rows * kLegendRow + 16;
  const int height = top + 48;
  std::string svg = Open(frame, height, CountMarks(chart)) + legend.svg;
  const double left = kLeft;
  const double width = frame.width - kLeft - kRight;
  if (total <= 0) {
    svg += "<text class=\"empty-note\"" + Attr("x", left + width / 2) + Attr("y", top + 20) +
           " text-anchor=\"middle\" font-size=\"13\" fill=\"#666\">no energy in the window</text>";
    return svg + "</svg>";
  }
  double x = left;
  svg += "<g class=\"marks\">";
  for (std::size_t i = 0; i < chart.parts.size(); ++i) {
    const auto& part = chart.parts[i];
    if (part.value <= 0) continue;
    const double w = width * part.value / total;
    const std::string color = ShareColor(part.modelled);
    svg += MarkElement("<rect" + Attr("x", x) + Attr("y", top) + Attr("width", w) +
                           " height=\"28\" fill=\"" + color + "\"",
                       part.tooltip);
    if (part.modelled) {
      svg += "<rect" + Attr("x", x) + Attr("y", top) + Attr("width", w) +
             " height=\"28\" fill=\"url(#" + HatchId(frame) + ")\" pointer-events=\"none\"/>";
    }
    x += w;
  }
  svg += "</g>";
  return svg + "</svg>";
}

}  // namespace kfm::report
