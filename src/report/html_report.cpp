#include "report/html_report.h"

#include <fmt/format.h>

#include <cctype>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "report/gnuplot.h"

namespace trainperf::report {

namespace fs = std::filesystem;
using scoring::ScoreResult;
using scoring::TimeAxis;

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
std::string color_of(size_t submission) { return kPalette[submission % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

std::string anchor(const std::string& name) {
  std::string a = "w-";
  for (char c : name) a += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return a;
}

std::string comma_join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string fmt_time(const ScoreResult& r, double t) { return scoring::format_time(t, r.options.axis); }

std::string json_cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
  return v.dump();
}

// Nested JSON as dotted keys -> printable values.
void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out[prefix.empty() ? "value" : prefix] = json_cell(j);
  }
}

class Page {
 public:
  Page& raw(const std::string& html) {
    out_ << html;
    return *this;
  }
  Page& text(const std::string& t) {
    out_ << html_escape(t);
    return *this;
  }
  // The first `text_columns` columns hold names (left-aligned); the rest numbers (right-aligned).
  Page& table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
              size_t text_columns = 1, const std::string& cls = "") {
    out_ << "<div class=\"scroll\"><table" << (cls.empty() ? "" : " class=\"" + cls + "\"") << "><thead><tr>";
    for (size_t i = 0; i < header.size(); ++i)
      out_ << (i < text_columns ? "<th class=\"text\">" : "<th>") << html_escape(header[i]) << "</th>";
    out_ << "</tr></thead><tbody>\n";
    for (const auto& row : rows) {
      out_ << "<tr>";
      for (size_t i = 0; i < row.size(); ++i)
        out_ << (i < text_columns ? "<td class=\"text\">" : "<td>") << html_escape(row[i]) << "</td>";
      out_ << "</tr>\n";
    }
    out_ << "</tbody></table></div>\n";
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

const char* kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1150px;
       padding: 1em 2em 4em; color: #222; line-height: 1.4; box-sizing: border-box; }
.scroll { overflow-x: auto; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
.meta { color: #555; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
td:not(.text) { white-space: nowrap; }
th { background: #f3f3f3; }
th.text, td.text { text-align: left; }
table.kv td { text-align: left; }
figure { margin: 0.5em 0 1em; }
figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; vertical-align: baseline; }
details { margin: 0.4em 0; }
summary { cursor: pointer; }
.warnings li { font-family: monospace; font-size: 0.85em; }
.note { color: #8a4b00; }
)css";

std::string figure(const Plot& plot, const std::string& id, const std::string& caption) {
  return "<figure id=\"" + id + "\">" + inline_svg(render_svg(plot), id + "-") + "<figcaption>" +
         html_escape(caption) + "</figcaption></figure>\n";
}

// The column a trial's curve is drawn against (the scoring's time column, with its fallback).
int x_column(const scoring::TrialLogs& trial, TimeAxis axis) {
  int c = trial.evals.column(scoring::time_column(axis));
  if (c < 0 && axis == TimeAxis::Time) c = trial.evals.column("accumulated_submission_time");
  return c;
}

constexpr size_t kMaxProfileBands = 4;

// A probability cell shaded from red (0) through white (0.5) to green (1).
std::string probability_cell(double p) {
  const double strength = std::min(1.0, std::fabs(p - 0.5) * 2);
  const char* rgb = p >= 0.5 ? "44,160,44" : "214,39,40";
  return fmt::format("<td style=\"background: rgba({}, {:.2f})\">{:.2f}</td>", rgb, 0.45 * strength, p);
}

void scores_section(Page& p, const ScoreResult& r) {
  const auto& boot = r.bootstrap;
  const bool two_clocks = r.other_clock.computed();
  const std::string clock = scoring::to_string(r.options.axis), other = scoring::to_string(r.other_clock.axis);
  p.raw("<section id=\"scores\"><h2>Scores</h2>\n<p>Benchmark score: the integral of the performance profile "
        "over &tau; in [1, 4], divided by 3 (trapezoid rule over 100 evenly spaced &tau;; 1 = fastest on every base "
        "workload, 0 = never within 4&times; of the fastest).");
  if (boot.available())
    p.raw(fmt::format(" Interval: {:.0f}% percentile bootstrap over studies ({} resamples of every submission's "
                      "studies, each rescored in full; seed {}): how much the score moves with which studies were "
                      "run, not with the choice of workloads or of machine.",
                      boot.level * 100, boot.replicates, boot.seed));
  if (two_clocks)
    p.raw(fmt::format(" Ranked by {}; the rank and score by {} beside it (<b>moved</b>: a different rank on the "
                      "two clocks).",
                      html_escape(clock), html_escape(other)));
  p.raw("</p>\n");
  if (!boot.available()) p.raw("<p class=\"note\" id=\"no-interval\">").text(boot.unavailable).raw("</p>\n");
  std::vector<std::string> header = {"rank", "submission", "score"};
  if (boot.available()) {
    header.push_back(fmt::format("{:.0f}% interval", boot.level * 100));
    header.push_back("P(rank 1)");
  }
  header.push_back("base workloads reached");
  if (two_clocks) {
    header.push_back("rank by " + other);
    header.push_back("score by " + other);
    header.push_back("clocks");
  }
  if (!r.options.baseline.empty()) header.push_back("geomean speedup vs " + r.options.baseline);
  std::vector<std::vector<std::string>> rows;
  for (size_t rank = 0; rank < r.ranking.size(); ++rank) {
    const size_t s = r.ranking[rank];
    std::vector<std::string> row = {std::to_string(rank + 1), r.submissions[s], fmt::format("{:.4f}", r.scores[s])};
    if (boot.available()) {
      row.push_back(scoring::format_interval(boot.low[s], boot.high[s]));
      row.push_back(fmt::format("{:.2f}", boot.rank_probability[s][0]));
    }
    row.push_back(fmt::format("{}/{}", r.reached(s), r.scored.workloads.size()));
    if (two_clocks) {
      row.push_back(std::to_string(r.other_clock.rank_of(s)));
      row.push_back(fmt::format("{:.4f}", r.other_clock.scores[s]));
      row.push_back(r.rank_moves(s) ? "moved" : "same");
    }
    if (!r.options.baseline.empty()) {
      std::string g = r.submissions[s] == r.options.baseline ? "baseline" : "";
      for (const auto& sp : r.speedups)
        if (sp.submission == r.submissions[s])
          g = std::isnan(sp.geomean_speedup) ? "n/a" : fmt::format("{:.3f}x", sp.geomean_speedup);
      row.push_back(g);
    }
    rows.push_back(row);
  }
  p.table(header, rows, 2);

  // The scores as points with their intervals, and the other clock's beside them.
  Plot plot;
  plot.title = "Scores";
  plot.ylabel = "benchmark score";
  plot.xlabel = "submission (by rank)";
  plot.yrange = "-0.05:1.05";
  plot.xrange = fmt::format("0.5:{}", r.ranking.size() + 0.5);
  plot.key_position = "top right";
  Series points{fmt::format("by {}{}", clock, boot.available() ? fmt::format(" ({:.0f}% interval)", boot.level * 100) : ""),
                color_of(0), {}, false, 1.5};
  Series others{"by " + other, color_of(1), {}, false, 1.5};
  for (size_t rank = 0; rank < r.ranking.size(); ++rank) {
    const size_t s = r.ranking[rank];
    const double x = static_cast<double>(rank + 1);
    plot.xtics.emplace_back(x, r.submissions[s]);
    points.points.emplace_back(x, r.scores[s]);
    points.range.emplace_back(boot.available() ? boot.low[s] : r.scores[s], boot.available() ? boot.high[s] : r.scores[s]);
    if (two_clocks) {
      others.points.emplace_back(x + 0.15, r.other_clock.scores[s]);
      others.range.emplace_back(r.other_clock.scores[s], r.other_clock.scores[s]);
    }
  }
  plot.series.push_back(std::move(points));
  if (two_clocks) plot.series.push_back(std::move(others));
  p.raw(figure(plot, "plot-scores",
               fmt::format("Each submission's score by {}{}{}.", clock,
                           boot.available() ? " with its bootstrap interval over studies" : " (no interval: " + boot.unavailable + ")",
                           two_clocks ? ", and its score by " + other + " (no interval) just right of it" : "")));

  if (boot.available() && r.submissions.size() > 1) {
    p.raw(fmt::format("<h3 id=\"pairwise\">Pairwise</h3>\n<p>P(row's score &gt; column's score) over the {} "
                      "resamples; ties count for neither, so a cell and its mirror can add up to less than 1.</p>\n",
                      boot.replicates));
    p.raw("<div class=\"scroll\"><table class=\"pairwise\"><thead><tr><th class=\"text\">submission</th>");
    for (size_t s : r.ranking) p.raw("<th>").text(r.submissions[s]).raw("</th>");
    p.raw("</tr></thead><tbody>\n");
    for (size_t row : r.ranking) {
      p.raw("<tr><td class=\"text\">").text(r.submissions[row]).raw("</td>");
      for (size_t col : r.ranking)
        p.raw(row == col ? std::string("<td>-</td>") : probability_cell(boot.pairwise[row][col]));
      p.raw("</tr>\n");
    }
    p.raw("</tbody></table></div>\n");

    p.raw("<h3 id=\"rank-probabilities\">Rank probabilities</h3>\n<p>How often each submission took each rank over "
          "the resamples (rank = 1 + the number of submissions with a strictly higher score, so tied submissions "
          "share a rank).</p>\n");
    std::vector<std::string> rank_header = {"submission"};
    for (size_t k = 0; k < r.submissions.size(); ++k) rank_header.push_back(fmt::format("rank {}", k + 1));
    std::vector<std::vector<std::string>> rank_rows;
    for (size_t s : r.ranking) {
      std::vector<std::string> row = {r.submissions[s]};
      for (double v : boot.rank_probability[s]) row.push_back(fmt::format("{:.2f}", v));
      rank_rows.push_back(row);
    }
    p.table(rank_header, rank_rows);
  }
  p.raw("</section>\n");
}

void profile_section(Page& p, const ScoreResult& r) {
  const auto& boot = r.bootstrap;
  // With many submissions the bands hide one another and the profiles; the table's intervals remain.
  const bool bands = boot.available() && !boot.rho_low.empty() && r.submissions.size() <= kMaxProfileBands;
  Plot plot;
  plot.title = "Performance profiles";
  plot.xlabel = "tau (ratio to the fastest submission)";
  plot.ylabel = "fraction of base workloads within tau";
  plot.xrange = "1:4";
  plot.yrange = "0:1.05";
  if (bands)  // drawn first, so that the profiles lie on top
    for (size_t s = 0; s < r.submissions.size(); ++s) {
      Series band{"", color_of(s), {}, false, 1.0};
      for (size_t k = 0; k < r.profile.taus.size(); ++k) {
        band.points.emplace_back(r.profile.taus[k], r.profile.rho[s][k]);
        band.range.emplace_back(boot.rho_low[s][k], boot.rho_high[s][k]);
      }
      band.band = true;
      plot.series.push_back(std::move(band));
    }
  for (size_t s = 0; s < r.submissions.size(); ++s) {
    Series series{fmt::format("{} ({:.4f})", r.submissions[s], r.scores[s]), color_of(s), {}, true, 2.5};
    for (size_t k = 0; k < r.profile.taus.size(); ++k) series.points.emplace_back(r.profile.taus[k], r.profile.rho[s][k]);
    plot.series.push_back(std::move(series));
  }
  p.raw("<section id=\"profile\"><h2>Performance profiles</h2>\n");
  p.raw(figure(plot, "plot-profile",
               "rho(tau): the fraction of the " + std::to_string(r.scored.workloads.size()) +
                   " base workloads on which a submission's time to target is within tau times the fastest "
                   "(after the held-out variant and 4x rules)" +
                   (bands ? fmt::format("; shaded: the pointwise {:.0f}% bootstrap interval of each profile over "
                                        "studies.",
                                        boot.level * 100)
                    : boot.available() ? fmt::format(" (the bootstrap bands are drawn for up to {} submissions).",
                                                     kMaxProfileBands)
                                       : ".")));
  p.raw("</section>\n");
}

void times_section(Page& p, const ScoreResult& r) {
  const std::string unit = r.unit();
  p.raw("<section id=\"times\"><h2>Time to target</h2>\n");
  p.raw(fmt::format("<p>Per workload: the median over studies of each study's time to target [{}] (studies "
                    "reaching the target / studies logged). <b>*</b>: finite median made infinite by the held-out "
                    "variant or 4&times; rule (the reasons are listed below the table).</p>\n",
                    html_escape(unit)));
  std::vector<std::string> header = {"workload", "metric", "target"};
  for (const auto& s : r.submissions) header.push_back(s);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> reasons;
  for (size_t w = 0; w < r.workloads.size(); ++w) {
    const auto& t = r.targets.workloads[w];
    std::vector<std::string> row = {t.name + (t.is_variant() ? " (variant of " + t.base + ")" : ""), t.metric,
                                    fmt::format("{}", t.target)};
    const int b = r.scored.workload_index(t.name);
    for (size_t s = 0; s < r.submissions.size(); ++s) {
      const auto& times = r.times[s][w];
      if (times.missing()) {
        row.push_back("missing");
        continue;
      }
      const double final_time = b >= 0 ? r.scored.t[s][b] : r.capped.t[s][w];
      const bool changed = std::isfinite(times.median) && std::isinf(final_time);
      row.push_back(fmt::format("{}{} ({}/{})", fmt_time(r, times.median), changed ? "*" : "",
                                times.studies_reached(), times.studies.size()));
      if (!changed) continue;
      std::string why = b >= 0 ? r.why[s][b] : "over 4x the fastest";
      if (t.is_variant()) {
        const int base = r.raw.workload_index(t.base);
        if (!std::isfinite(r.raw.t[s][base])) why = "base " + t.base + " not reached or missing";
      }
      reasons.push_back({r.submissions[s], t.name, why});
    }
    rows.push_back(row);
  }
  p.table(header, rows, 2);
  if (!reasons.empty()) p.table({"submission", "workload", "made infinite because"}, reasons, 3);

  p.raw(fmt::format("<h3>Spread over studies</h3><p>min / median / max of the study times [{}].</p>\n",
                    html_escape(unit)));
  std::vector<std::string> spread_header = {"workload"};
  for (const auto& s : r.submissions) spread_header.push_back(s);
  std::vector<std::vector<std::string>> spread;
  for (size_t w = 0; w < r.workloads.size(); ++w) {
    std::vector<std::string> row = {r.workloads[w]};
    for (size_t s = 0; s < r.submissions.size(); ++s) {
      const auto& t = r.times[s][w];
      row.push_back(t.missing() ? "missing"
                                : fmt_time(r, t.min) + " / " + fmt_time(r, t.median) + " / " + fmt_time(r, t.max));
    }
    spread.push_back(row);
  }
  p.table(spread_header, spread);

  if (!r.speedups.empty()) {
    p.raw(fmt::format("<h3>Speedups vs {}</h3><p>Baseline time / time per base workload (raw medians, no 4&times; "
                      "or variant rule); a time that never reached the target counts as the budget + 1 {}, as "
                      "AlgoPerf's speedup analysis does. &gt; 1 is faster.</p>\n",
                      html_escape(r.options.baseline), html_escape(unit)));
    std::vector<std::string> h = {"workload"};
    for (const auto& sp : r.speedups) h.push_back(sp.submission);
    std::vector<std::vector<std::string>> rows2;
    const auto bases = r.targets.base_names();
    for (size_t w = 0; w < bases.size(); ++w) {
      std::vector<std::string> row = {bases[w]};
      for (const auto& sp : r.speedups)
        row.push_back(std::isnan(sp.workloads[w].speedup) ? "missing" : fmt::format("{:.3f}x", sp.workloads[w].speedup));
      rows2.push_back(row);
    }
    std::vector<std::string> g = {"geometric mean"};
    for (const auto& sp : r.speedups)
      g.push_back(std::isnan(sp.geomean_speedup) ? "n/a" : fmt::format("{:.3f}x", sp.geomean_speedup));
    rows2.push_back(g);
    p.table(h, rows2);
  }
  p.raw("</section>\n");
}

void workload_sections(Page& p, const ScoreResult& r) {
  p.raw("<section id=\"workloads\"><h2>Workloads</h2>\n");
  const bool by_time = r.options.axis == TimeAxis::Time;
  for (size_t w = 0; w < r.workloads.size(); ++w) {
    const auto& target = r.targets.workloads[w];
    p.raw("<h3 id=\"" + anchor(target.name) + "\">").text(target.name).raw("</h3>\n");
    p.raw("<p>").text(fmt::format("{} {} target {} ({}){}", target.metric,
                                  target.goal == Goal::Minimize ? "<=" : ">=", target.target,
                                  target.goal == Goal::Minimize ? "minimized" : "maximized",
                                  target.is_variant() ? "; held-out variant of " + target.base : ""))
        .raw("</p>\n");
    Plot plot;
    plot.title = target.name;
    plot.xlabel = by_time ? "submission time [s]" : "global step";
    plot.ylabel = target.metric;
    plot.key_position = target.goal == Goal::Minimize ? "top right" : "bottom right";
    size_t drawn = 0;
    for (size_t s = 0; s < r.logs.size(); ++s) {
      bool titled = false;
      for (const auto& study : r.logs[s].studies) {
        const auto* wl = study.find(target.name);
        if (!wl) continue;
        for (const auto& trial : wl->trials) {
          const int xc = x_column(trial, r.options.axis), yc = trial.evals.column(target.metric);
          if (xc < 0 || yc < 0) continue;
          Series series{titled ? "" : r.submissions[s], color_of(s), {}, false, 1.5};
          for (const auto& row : trial.evals.rows)
            series.points.emplace_back(scoring::parse_number(row[xc]), scoring::parse_number(row[yc]));
          bool any = false;
          for (const auto& [x, y] : series.points) any = any || (std::isfinite(x) && std::isfinite(y));
          if (!any) continue;
          titled = true;
          ++drawn;
          plot.series.push_back(std::move(series));
        }
      }
    }
    if (drawn) {
      plot.lines.push_back({target.target, fmt::format("target {}", target.target)});
      p.raw(figure(plot, "plot-" + anchor(target.name),
                   fmt::format("{} vs {} for every trial ({} curves), coloured by submission; dashed: the "
                               "validation target.",
                               target.metric, by_time ? "submission time" : "global step", drawn)));
    } else {
      p.raw("<p><i>No eval rows with this metric were logged.</i></p>\n");
    }
    // Per study: which trial's time counts.
    std::vector<std::vector<std::string>> rows;
    for (size_t s = 0; s < r.submissions.size(); ++s)
      for (const auto& study : r.times[s][w].studies) {
        std::string trials;
        for (const auto& t : study.trials)
          trials += (trials.empty() ? "" : ", ") + fmt::format("{}: {}", t.trial, fmt_time(r, t.value));
        rows.push_back({r.submissions[s], std::to_string(study.study),
                        study.best_trial >= 0 ? std::to_string(study.best_trial) : "-", fmt_time(r, study.value),
                        trials});
      }
    if (!rows.empty())
      p.table({"submission", "study", "trial that counts", fmt::format("time to target [{}]", r.unit()),
               "every trial (trial: time)"},
              rows, 1);
  }
  p.raw("</section>\n");
}

void hparams_section(Page& p, const ScoreResult& r) {
  p.raw("<section id=\"hparams\"><h2>Hyperparameters</h2>\n<p>Every trial's hparams.json, with its time to "
        "target.</p>\n");
  for (size_t s = 0; s < r.logs.size(); ++s) {
    p.raw("<h3>").raw(fmt::format("<span class=\"swatch\" style=\"background:{}\"></span>", color_of(s)))
        .text(r.submissions[s]).raw("</h3>\n");
    for (size_t w = 0; w < r.workloads.size(); ++w) {
      const auto& times = r.times[s][w];
      if (times.missing()) continue;
      std::set<std::string> keys;
      std::vector<const scoring::TrialLogs*> trials;
      std::vector<int> study_of;
      for (const auto& study : r.logs[s].studies)
        if (const auto* wl = study.find(r.workloads[w]))
          for (const auto& t : wl->trials) {
            trials.push_back(&t);
            study_of.push_back(study.index);
            if (t.hparams.is_object())
              for (const auto& [k, v] : t.hparams.items()) keys.insert(k);
          }
      std::vector<std::string> header = {"study", "trial", fmt::format("time to target [{}]", r.unit())};
      header.insert(header.end(), keys.begin(), keys.end());
      std::vector<std::vector<std::string>> rows;
      for (size_t i = 0; i < trials.size(); ++i) {
        std::string ttt = "-";
        for (const auto& study : times.studies)
          if (study.study == study_of[i])
            for (const auto& t : study.trials)
              if (t.trial == trials[i]->index) ttt = fmt_time(r, t.value);
        std::vector<std::string> row = {std::to_string(study_of[i]), std::to_string(trials[i]->index), ttt};
        for (const auto& k : keys)
          row.push_back(trials[i]->hparams.is_object() && trials[i]->hparams.contains(k)
                            ? json_cell(trials[i]->hparams[k])
                            : "");
        rows.push_back(row);
      }
      p.raw("<details open><summary>").text(r.workloads[w] + fmt::format(" ({} trials)", trials.size()))
          .raw("</summary>\n");
      p.table(header, rows);
      p.raw("</details>\n");
    }
  }
  p.raw("</section>\n");
}

void environment_section(Page& p, const ScoreResult& r) {
  p.raw("<section id=\"environment\"><h2>Environment</h2>\n<p>From each trial's meta_data_*.json: the values "
        "every trial of a submission shares, then the ones that differ per trial.</p>\n");
  for (size_t s = 0; s < r.logs.size(); ++s) {
    struct TrialMeta {
      std::string workload;
      int study, trial;
      std::map<std::string, std::string> values;
    };
    std::vector<TrialMeta> metas;
    for (const auto& study : r.logs[s].studies)
      for (const auto& wl : study.workloads)
        for (const auto& t : wl.trials)
          if (!t.meta.is_null()) {
            TrialMeta m{wl.name, study.index, t.index, {}};
            flatten(t.meta, "", m.values);
            metas.push_back(std::move(m));
          }
    p.raw("<h3>").text(r.submissions[s]).raw("</h3>\n");
    if (metas.empty()) {
      p.raw("<p><i>No meta_data_*.json in this submission's trials.</i></p>\n");
      continue;
    }
    std::set<std::string> keys;
    for (const auto& m : metas)
      for (const auto& [k, v] : m.values) keys.insert(k);
    std::vector<std::vector<std::string>> shared;
    std::vector<std::string> varying;
    for (const auto& k : keys) {
      bool same = true;
      for (const auto& m : metas) {
        auto it = m.values.find(k);
        same = same && it != m.values.end() && it->second == metas.front().values.at(k);
      }
      if (same)
        shared.push_back({k, metas.front().values.at(k)});
      else
        varying.push_back(k);
    }
    p.table({"key", fmt::format("value (all {} trials)", metas.size())}, shared, 2, "kv");
    if (varying.empty()) continue;
    std::vector<std::string> header = {"workload", "study", "trial"};
    header.insert(header.end(), varying.begin(), varying.end());
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : metas) {
      std::vector<std::string> row = {m.workload, std::to_string(m.study), std::to_string(m.trial)};
      for (const auto& k : varying) row.push_back(m.values.count(k) ? m.values.at(k) : "");
      rows.push_back(std::move(row));
    }
    p.raw("<details><summary>").text(fmt::format("values that differ between trials ({})", comma_join(varying)))
        .raw("</summary>\n");
    p.table(header, rows, 1);
    p.raw("</details>\n");
  }
  p.raw("</section>\n");
}

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

std::string render_html_report(const ScoreResult& r) {
  Page p;
  p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>trainperf report</title>\n"
        "<style>")
      .raw(kStyle)
      .raw("</style>\n</head>\n<body>\n<h1>trainperf report</h1>\n<p class=\"meta\">");
  std::string sources;
  for (const auto& sub : r.logs) sources += (sources.empty() ? "" : ", ") + sub.dir.string();
  p.text(fmt::format("{} submission{} · targets: {} ({}) · {} tuning · by {} · generated {}",
                     r.submissions.size(), r.submissions.size() == 1 ? "" : "s", r.targets.name, r.targets.source,
                     trainperf::to_string(r.options.ruleset), scoring::to_string(r.options.axis),
                     now_utc()));
  p.raw("<br>").text("logs: " + sources).raw("</p>\n<nav><a href=\"#scores\">Scores</a><a href=\"#profile\">Profiles</a>"
                                              "<a href=\"#times\">Time to target</a><a href=\"#workloads\">Workloads</a>"
                                              "<a href=\"#hparams\">Hyperparameters</a>"
                                              "<a href=\"#environment\">Environment</a>");
  if (!r.warnings.empty()) p.raw("<a href=\"#warnings\">Warnings</a>");
  p.raw("</nav>\n");
  scores_section(p, r);
  profile_section(p, r);
  times_section(p, r);
  workload_sections(p, r);
  hparams_section(p, r);
  environment_section(p, r);
  if (!r.warnings.empty()) {
    p.raw("<section id=\"warnings\"><h2>Warnings</h2>\n<p>Problems found in the logs; scoring went on as the "
          "published scoring does.</p>\n<ul class=\"warnings\">\n");
    for (const auto& w : r.warnings) p.raw("<li>").text(w).raw("</li>\n");
    p.raw("</ul></section>\n");
  }
  p.raw("</body>\n</html>\n");
  return p.str();
}

void write_html_report(const ScoreResult& result, const fs::path& out) {
  const std::string html = render_html_report(result);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  std::ofstream file(out, std::ios::trunc);
  if (!file) throw std::runtime_error("cannot write '" + out.string() + "'");
  file << html;
  if (!file) throw std::runtime_error("cannot write '" + out.string() + "' (disk full?)");
}

}  // namespace trainperf::report
