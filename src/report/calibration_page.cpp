#include "report/calibration_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "report/html_report.h"

namespace trainperf::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kCalibrationStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1150px;
       padding: 1em 2em 4em; color: #222; line-height: 1.4; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
th { background: #f3f3f3; }
th.text, td.text { text-align: left; }
tr.chosen td { background: #eef7ee; font-weight: 600; }
figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
)css";

std::string calibration_number(const json& v, const char* format = "{:.3f}") {
  return v.is_number() ? fmt::format(fmt::runtime(format), v.get<double>()) : std::string("–");
}

std::string calibration_cell(const std::string& text, bool is_text = false) {
  return std::string(is_text ? "<td class=\"text\">" : "<td>") + html_escape(text) + "</td>";
}

std::string calibration_interval(const json& c) {
  if (c.contains("interval_unavailable")) return "no interval (one study)";
  return "[" + calibration_number(c.value("score_ci_low", json())) + ", " + calibration_number(c.value("score_ci_high", json())) + "]";
}

// Scores with their intervals as dots and whiskers on a log axis (a score is a ratio).
std::string calibration_score_plot(const json& candidates, int chosen) {
  const double lo = 0.05, hi = 4.0;
  const int width = 900, row = 18, left = 90, right = 20, top = 24;
  const int height = top + row * static_cast<int>(candidates.size()) + 30;
  auto x = [&](double v) {
    v = std::clamp(v, lo, hi);
    return left + (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo)) * (width - left - right);
  };
  std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" "
                                "aria-label=\"candidates' scores\">",
                                width, height);
  for (double t : {0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0})
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>",
                       x(t), top - 6, height - 24, height - 10, t);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const json& c = candidates[i];
    const int y = top + static_cast<int>(i) * row + row / 2;
    const bool is_chosen = c.value("index", -1) == chosen;
    const std::string colour = is_chosen ? "#1a7f37" : c.value("index", -1) == 0 ? "#b35900" : "#3465a4";
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}{}</text>", left - 8, y + 4,
                       c.value("index", -1), c.value("index", -1) == 0 ? " (defaults)" : "");
    if (c.value("score_ci_low", json()).is_number() && c.value("score_ci_high", json()).is_number())
      svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                         x(c["score_ci_low"].get<double>()), x(c["score_ci_high"].get<double>()), y, y, colour);
    if (c.value("score", json()).is_number())
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>", x(c["score"].get<double>()), y,
                         is_chosen ? 5 : 3.5, colour);
  }
  return svg + "</svg>";
}

}  // namespace

std::string render_calibration_page(const json& cal) {
  const json& candidates = cal.at("candidates");
  const int chosen = cal.at("chosen").value("index", -1);
  std::ostringstream p;
  p << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>trainperf calibration</title>\n"
    << "<style>" << kCalibrationStyle << "</style>\n</head>\n<body>\n<h1>Calibration of " << html_escape(cal.value("submission", "?"))
    << "</h1>\n<p class=\"meta\">";
  std::string workloads;
  for (const auto& w : cal.value("workloads", json::array())) workloads += (workloads.empty() ? "" : ", ") + w.value("name", "?");
  p << html_escape(fmt::format("{} candidates · {} stud{} · seed {} · workloads: {} · search space: {}",
                               candidates.size(), cal.value("studies", 0), cal.value("studies", 0) == 1 ? "y" : "ies",
                               cal.value("seed", json(0)).dump(), workloads,
                               cal.value("search_space", json::object()).value("origin", "?")))
    << "</p>\n";
  p << "<p>" << html_escape(cal.value("criterion", json::object()).value("description", "")) << "</p>\n";

  p << "<h2 id=\"candidates\">Candidates</h2>\n<figure>" << calibration_score_plot(candidates, chosen)
    << "<figcaption>Score (log axis; lower is better) and its 95% bootstrap interval over studies. Green: chosen; "
       "orange: the shipped defaults.</figcaption></figure>\n";
  p << "<table><tr><th>candidate</th><th>score</th><th>95% interval</th><th>studies</th>";
  for (const auto& w : cal.value("workloads", json::array())) p << "<th>" << html_escape(w.value("name", "?")) << "</th>";
  p << "<th class=\"text\">differs from the defaults</th></tr>\n";
  for (const auto& c : candidates) {
    const int index = c.value("index", -1);
    p << (index == chosen ? "<tr class=\"chosen\">" : "<tr>") << calibration_cell(std::to_string(index) + (index == 0 ? " (defaults)" : ""))
      << calibration_cell(calibration_number(c.value("score", json()))) << calibration_cell(calibration_interval(c)) << calibration_cell(std::to_string(c.value("studies", 0)));
    for (const auto& w : cal.value("workloads", json::array())) {
      const json& per = c.value("workloads", json::object()).value(w.value("name", ""), json::object());
      p << calibration_cell(calibration_number(per.value("ratio", json())));
    }
    p << calibration_cell(index == 0 ? "" : c.value("differs_from_defaults", json::object()).dump(), true) << "</tr>\n";
  }
  p << "</table>\n";

  p << "<h2 id=\"chosen\">Chosen point</h2>\n<table><tr><th class=\"text\">key</th><th class=\"text\">value</th>"
       "<th class=\"text\">default</th></tr>\n";
  const json& point = cal.at("chosen").value("point", json::object());
  const json defaults = candidates.empty() ? json::object() : candidates[0].value("point", json::object());
  for (const auto& [k, v] : point.items())
    p << "<tr>" << calibration_cell(k, true) << calibration_cell(v.dump(), true) << calibration_cell(defaults.contains(k) ? defaults[k].dump() : "", true)
      << "</tr>\n";
  p << "</table>\n";
  if (const json& vs = cal.value("chosen_vs_defaults", json()); vs.is_object())
    p << "<p>" << html_escape(fmt::format("Chosen {} vs defaults {}: the chosen point scores lower in {:.0f}% of the "
                                          "bootstrap resamples.",
                                          calibration_number(vs.value("chosen_score", json())), calibration_number(vs.value("defaults_score", json())),
                                          100 * vs.value("p_chosen_better", 0.0)))
      << "</p>\n";

  p << "<h2 id=\"leave-one-out\">Leave one workload out</h2>\n<table><tr><th class=\"text\">held out</th>"
       "<th>chosen without it</th><th>its ratio there</th><th>chosen with it</th><th>its ratio there</th><th>drop</th></tr>\n";
  for (const auto& l : cal.value("leave_one_out", json::array()))
    p << "<tr>" << calibration_cell(l.value("held_out", "?"), true) << calibration_cell(std::to_string(l.value("chosen_without", -1)))
      << calibration_cell(calibration_number(l.value("held_out_ratio_without", json()))) << calibration_cell(std::to_string(l.value("chosen_with", -1)))
      << calibration_cell(calibration_number(l.value("held_out_ratio_with", json()))) << calibration_cell(calibration_number(l.value("drop", json()), "x{:.3f}"))
      << "</tr>\n";
  p << "</table>\n";

  p << "<h2 id=\"halving\">Cost</h2>\n<p>"
    << html_escape(fmt::format("{} trials run; the exhaustive grid: {}.", cal.value("trials_run", json(0)).dump(),
                               cal.value("trials_exhaustive", json(0)).dump()))
    << "</p>\n";
  if (const json& h = cal.value("halving", json()); h.is_object()) {
    p << "<table><tr><th>rung</th><th>studies</th><th class=\"text\">candidates (score)</th><th class=\"text\">kept</th></tr>\n";
    int i = 0;
    for (const auto& r : h.value("rungs", json::array())) {
      std::string cands;
      const json& ids = r.value("candidates", json::array());
      const json& scores = r.value("scores", json::array());
      for (size_t k = 0; k < ids.size(); ++k)
        cands += (cands.empty() ? "" : ", ") + ids[k].dump() + " (" + calibration_number(k < scores.size() ? scores[k] : json()) + ")";
      p << "<tr>" << calibration_cell(std::to_string(i++)) << calibration_cell(std::to_string(r.value("studies", 0))) << calibration_cell(cands, true)
        << calibration_cell(r.contains("kept") ? r["kept"].dump() : "", true) << "</tr>\n";
    }
    p << "</table>\n";
  }
  p << "</body>\n</html>\n";
  return p.str();
}

void write_calibration_page(const fs::path& calibration_json, const fs::path& out) {
  json cal;
  try {
    cal = json::parse(std::ifstream(calibration_json));
    (void)cal.at("candidates");
    (void)cal.at("chosen");
  } catch (const std::exception& e) {
    throw std::runtime_error(calibration_json.string() + ": not a calibration.json (" + e.what() + ")");
  }
  const std::string html = render_calibration_page(cal);
  std::ofstream file(out, std::ios::trunc);
  file << html;
  if (!file) throw std::runtime_error("cannot write '" + out.string() + "'");
}

}  // namespace trainperf::report
