// Plots for the HTML report, drawn by gnuplot (Debian gnuplot-nox) as SVG.
#pragma once

#include <string>
#include <vector>

namespace trainperf::report {

struct Series {
  std::string title;  // empty: no legend entry
  std::string color;  // "#rrggbb"
  std::vector<std::pair<double, double>> points;
  bool steps = false;  // draw as a step function (performance profiles)
  double width = 1.5;
  // Per point (low, high): with `band`, a translucent area between them (y unused); otherwise points
  // with vertical error bars.
  std::vector<std::pair<double, double>> range = {};
  bool band = false;
};

struct HorizontalLine {
  double y = 0;
  std::string title;
};

struct Plot {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
  std::vector<HorizontalLine> lines;  // dashed reference lines, e.g. the target
  std::string key_position = "bottom right";
  std::string xrange, yrange;  // gnuplot ranges like "1:4"; empty: autoscale
  bool logscale_x = false;
  std::vector<std::pair<double, std::string>> xtics;  // labelled tics (position, label); empty: numbers
  int width = 900, height = 480;
};

// The gnuplot script for a plot (data inline), writing SVG to `output`.
std::string gnuplot_script(const Plot& plot, const std::string& output);

// Runs gnuplot and returns the SVG document. Throws std::runtime_error with gnuplot's message, or
// naming the package when gnuplot is not installed.
std::string render_svg(const Plot& plot);

// An SVG document made fit for inlining into HTML: no XML prolog, every id (and reference to one)
// prefixed so several plots can share a page.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

}  // namespace trainperf::report
