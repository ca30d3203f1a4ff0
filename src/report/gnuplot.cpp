#include "report/gnuplot.h"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace trainperf::report {

namespace fs = std::filesystem;

namespace {
// A gnuplot single-quoted string ('' stands for ').
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out + "'";
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_text_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}
}  // namespace

std::string gnuplot_script(const Plot& plot, const std::string& output) {
  std::ostringstream s;
  s << fmt::format("set terminal svg size {},{} dynamic noenhanced font 'sans,12' background rgb 'white'\n",
                   plot.width, plot.height);
  s << "set encoding utf8\n";
  s << "set output " << quoted(output) << "\n";
  int block = 0;
  for (const auto& series : plot.series) {
    s << "$d" << block++ << " << EOD\n";
    for (size_t i = 0; i < series.points.size(); ++i) {
      const auto [x, y] = series.points[i];
      if (series.range.empty()) {
        if (std::isfinite(x) && std::isfinite(y)) s << fmt::format("{} {}\n", x, y);
        continue;
      }
      const auto [low, high] = i < series.range.size() ? series.range[i] : std::pair{y, y};
      if (!std::isfinite(x) || !std::isfinite(low) || !std::isfinite(high)) continue;
      if (series.band)
        s << fmt::format("{} {} {}\n", x, low, high);
      else if (std::isfinite(y))
        s << fmt::format("{} {} {} {}\n", x, y, low, high);
    }
    s << "EOD\n";
  }
  if (!plot.title.empty()) s << "set title " << quoted(plot.title) << "\n";
  s << "set xlabel " << quoted(plot.xlabel) << "\nset ylabel " << quoted(plot.ylabel) << "\n";
  s << "set key " << plot.key_position << " box opaque\n";
  s << "set grid lc rgb '#dddddd'\nset border lc rgb '#555555'\n";
  if (plot.logscale_x) s << "set logscale x\n";
  if (!plot.xrange.empty()) s << "set xrange [" << plot.xrange << "]\n";
  if (!plot.yrange.empty()) s << "set yrange [" << plot.yrange << "]\n";
  if (!plot.xtics.empty()) {
    s << "set xtics (";
    for (size_t i = 0; i < plot.xtics.size(); ++i)
      s << (i ? ", " : "") << quoted(plot.xtics[i].second) << ' ' << plot.xtics[i].first;
    s << ")" << (plot.xtics.size() > 6 ? " rotate by -30" : "") << "\n";
  }
  std::vector<std::string> parts;
  block = 0;
  for (const auto& series : plot.series) {
    const std::string title = series.title.empty() ? "notitle" : "title " + quoted(series.title);
    if (series.range.empty())
      parts.push_back(fmt::format("$d{} using 1:2 with {} lw {} lc rgb '{}' {}", block, series.steps ? "steps" : "lines",
                                  series.width, series.color, title));
    else if (series.band)
      parts.push_back(fmt::format("$d{} using 1:2:3 with filledcurves fs transparent solid 0.15 noborder lc rgb '{}' {}",
                                  block, series.color, title));
    else
      parts.push_back(fmt::format("$d{} using 1:2:3:4 with yerrorbars pt 7 ps 1 lw {} lc rgb '{}' {}", block,
                                  series.width, series.color, title));
    ++block;
  }
  for (const auto& line : plot.lines)
    parts.push_back(fmt::format("{} with lines dt 2 lw 1.5 lc rgb '#333333' title {}", line.y, quoted(line.title)));
  s << "plot ";
  for (size_t i = 0; i < parts.size(); ++i) s << (i ? ", \\\n     " : "") << parts[i];
  s << "\nunset output\n";
  return s.str();
}

std::string render_svg(const Plot& plot) {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() / fmt::format("trainperf_plot_{}_{}", ::getpid(), counter++);
  fs::create_directories(dir);
  const fs::path script = dir / "plot.gp", svg = dir / "plot.svg", err = dir / "gnuplot.err";
  {
    std::ofstream out(script);
    out << gnuplot_script(plot, svg.string());
  }
  const std::string command =
      "gnuplot " + shell_quoted(script.string()) + " > /dev/null 2> " + shell_quoted(err.string());
  const int status = std::system(command.c_str());
  const std::string errors = read_text_file(err);
  std::string result = read_text_file(svg);
  fs::remove_all(dir);
  if (status != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      throw std::runtime_error("gnuplot is not installed (apt-get install gnuplot-nox); the report draws its plots "
                               "with it");
    throw std::runtime_error("gnuplot failed on plot '" + plot.title + "': " + errors);
  }
  if (result.find("<svg") == std::string::npos)
    throw std::runtime_error("gnuplot wrote no SVG for plot '" + plot.title + "': " + errors);
  return result;
}

std::string inline_svg(const std::string& svg, const std::string& id_prefix) {
  std::string s = svg;
  const auto start = s.find("<svg");
  if (start != std::string::npos) s = s.substr(start);
  static const std::regex id_attr(R"re(\bid=(["'])([^"']+)\1)re");
  static const std::regex href_attr(R"re(href=(["'])#)re");
  static const std::regex url_ref(R"re(url\(#)re");
  // Prefix every id; gnuplot repeats some (an opaque key is drawn twice), so later copies of an id
  // get a counter (nothing refers to those).
  std::string out;
  std::map<std::string, int> seen;
  auto last = s.cbegin();
  for (std::sregex_iterator it(s.begin(), s.end(), id_attr), end; it != end; ++it) {
    const auto& m = *it;
    out.append(last, m[0].first);
    const std::string id = m[2].str();
    const int n = seen[id]++;
    out += "id=" + m[1].str() + id_prefix + id + (n ? "-" + std::to_string(n + 1) : "") + m[1].str();
    last = m[0].second;
  }
  out.append(last, s.cend());
  s = std::move(out);
  s = std::regex_replace(s, href_attr, "href=$1#" + id_prefix);
  s = std::regex_replace(s, url_ref, "url(#" + id_prefix);
  return s;
}

}  // namespace trainperf::report
