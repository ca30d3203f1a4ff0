// The HTML report's content, without a browser.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "report/gnuplot.h"
#include "report/html_report.h"
#include "scoring/log_fixtures.h"
#include "support/cli.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

struct ReportHtml : ::testing::Test {
  void SetUp() override {
    root = fresh_scoring_dir("report");
    write_two_by_three(root / "exp");
    options.targets = write_test_targets(root / "targets.json").string();
    options.baseline = "momentum";
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
  ScoreOptions options;
};
}  // namespace

TEST_F(ReportHtml, HoldsEverySectionAndAPlotPerWorkload) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const std::string html = report::render_html_report(r);
  for (auto id : {"id=\"scores\"", "id=\"profile\"", "id=\"times\"", "id=\"workloads\"", "id=\"hparams\"",
                  "id=\"environment\""})
    EXPECT_TRUE(contains(html, id)) << id;
  EXPECT_EQ(count(html, "<svg"), 5u);  // the scores, the profiles, one per workload
  EXPECT_GE(count(html, "<path"), 5u * 5);
  EXPECT_TRUE(contains(html, "Produced by GNUPLOT"));
  // Scores table: score, interval, P(rank 1), reached, the rank and score by steps, speedup.
  const std::string adamw_row = fmt::format("<td class=\"text\">adamw</td><td>0.6667</td><td>{}</td><td>{:.2f}</td>"
                                            "<td>2/3</td><td>2</td><td>0.6667</td><td>moved</td><td>0.568x</td>",
                                            format_interval(r.bootstrap.low[0], r.bootstrap.high[0]),
                                            r.bootstrap.rank_probability[0][0]);
  EXPECT_TRUE(contains(html, adamw_row)) << "scores table: " << adamw_row;
  EXPECT_TRUE(contains(html, "100.0 (3/3)"));  // time-to-target table
  EXPECT_TRUE(contains(html, "90.00 / 100.0 / 120.0"));  // spread over studies
  EXPECT_TRUE(contains(html, "learning_rate"));  // hyperparameters
  EXPECT_TRUE(contains(html, "hardware.device"));  // environment, flattened
  EXPECT_TRUE(contains(html, "8x V100"));
  EXPECT_TRUE(contains(html, "value (all 18 trials)"));  // shared by every trial of a submission ...
  EXPECT_TRUE(contains(html, "values that differ between trials (trial)"));  // ... and what differs
  EXPECT_TRUE(contains(html, "target 0.5"));  // the target line's legend
  EXPECT_FALSE(contains(html, "id=\"warnings\""));
}

TEST_F(ReportHtml, ShowsIntervalsPairwiseRankProbabilitiesAndBothClocks) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_TRUE(r.bootstrap.available());
  const std::string html = report::render_html_report(r);
  EXPECT_TRUE(contains(html, "<th>95% interval</th><th>P(rank 1)</th>"));
  EXPECT_TRUE(contains(html, "<th>rank by steps</th><th>score by steps</th><th>clocks</th>"));
  EXPECT_TRUE(contains(html, "percentile bootstrap over studies (1000 resamples"));
  // The scores plot: points with error bars, and the other clock's points beside them.
  const auto at = html.find("<figure id=\"plot-scores\"");
  ASSERT_NE(at, std::string::npos);
  const std::string fig = html.substr(at, html.find("</figure>", at) - at);
  EXPECT_TRUE(contains(fig, "by time (95% interval)"));
  EXPECT_TRUE(contains(fig, "by steps"));
  // The pairwise matrix, rows and columns in rank order, a cell per pair, shaded by probability.
  ASSERT_TRUE(contains(html, "<table class=\"pairwise\">"));
  EXPECT_TRUE(contains(html, fmt::format("<tr><td class=\"text\">adamw</td><td>-</td><td style=\"background: "
                                         "rgba({}, {:.2f})\">{:.2f}</td></tr>",
                                         r.bootstrap.pairwise[0][1] >= 0.5 ? "44,160,44" : "214,39,40",
                                         0.45 * std::min(1.0, std::fabs(r.bootstrap.pairwise[0][1] - 0.5) * 2),
                                         r.bootstrap.pairwise[0][1])));
  EXPECT_TRUE(contains(html, "id=\"rank-probabilities\""));
  EXPECT_TRUE(contains(html, "<th>rank 1</th><th>rank 2</th>"));
  // The profile plot carries a band per submission under its line.
  const auto profile = html.substr(html.find("<figure id=\"plot-profile\""));
  EXPECT_TRUE(contains(profile.substr(0, profile.find("</figure>")), "pointwise 95% bootstrap interval"));
  EXPECT_FALSE(contains(html, "id=\"no-interval\""));
}

TEST_F(ReportHtml, ProfileBandsOnlyForAFewSubmissions) {
  for (auto copy : {"adamw2", "adamw3", "adamw4"})
    fs::copy(root / "exp" / "adamw", root / "exp" / copy, fs::copy_options::recursive);
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_TRUE(r.bootstrap.available());
  const std::string html = report::render_html_report(r);
  EXPECT_FALSE(contains(html, "pointwise 95% bootstrap interval"));
  EXPECT_TRUE(contains(html, "the bootstrap bands are drawn for up to 4 submissions"));
  EXPECT_TRUE(contains(html, "<table class=\"pairwise\">"));  // the intervals themselves stay
}

TEST_F(ReportHtml, OneStudySaysNoIntervalCanBeGiven) {
  for (auto sub : {"adamw", "momentum"})
    for (auto study : {"study_1", "study_2"}) fs::remove_all(root / "exp" / sub / study);
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const std::string html = report::render_html_report(r);
  EXPECT_TRUE(contains(html, "id=\"no-interval\">no interval can be given"));
  EXPECT_FALSE(contains(html, "95% interval"));
  EXPECT_FALSE(contains(html, "class=\"pairwise\""));
  EXPECT_FALSE(contains(html, "pointwise 95% bootstrap interval"));
  EXPECT_TRUE(contains(html, "<figure id=\"plot-scores\""));  // the points are still drawn
}

TEST_F(ReportHtml, IsSelfContained) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const std::string html = report::render_html_report(r);
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "<link"));
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_FALSE(contains(html, "@import"));
  // Every reference stays inside the page.
  std::regex ref(R"re((?:src|href)=["']([^"']*)["'])re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it)
    EXPECT_EQ((*it)[1].str().rfind('#', 0), 0u) << (*it)[0].str();
  // Ids are unique although every plot comes from its own gnuplot run.
  std::regex id(R"re(\bid=["']([^"']+)["'])re");
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(seen.insert((*it)[1].str()).second) << "duplicate id " << (*it)[1].str();
}

TEST_F(ReportHtml, NamesAreEscaped) {
  fs::rename(root / "exp" / "adamw", root / "exp" / "a<b>&'c");
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const std::string html = report::render_html_report(r);
  EXPECT_FALSE(contains(html, "a<b>"));
  EXPECT_TRUE(contains(html, "a&lt;b&gt;&amp;&#39;c"));
}

TEST_F(ReportHtml, WarningsAreListed) {
  fs::create_directories(root / "exp" / "adamw" / "study_0" / "alpha_jax" / "trial_7");
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const std::string html = report::render_html_report(r);
  EXPECT_TRUE(contains(html, "id=\"warnings\""));
  EXPECT_TRUE(contains(html, "trial_7: trial folder without eval_measurements.csv"));
}

TEST(ReportGnuplot, ScriptCarriesTheDataAndSvgIdsArePrefixed) {
  report::Plot plot;
  plot.title = "it's";
  plot.series.push_back({"a", "#ff0000", {{1, 2}, {2, std::nan("")}, {3, 4}}, false, 1.5});
  plot.lines.push_back({0.5, "target 0.5"});
  const auto script = report::gnuplot_script(plot, "/tmp/x.svg");
  EXPECT_TRUE(contains(script, "$d0 << EOD\n1 2\n3 4\nEOD\n"));  // non-finite points left out
  EXPECT_TRUE(contains(script, "set title 'it''s'"));
  EXPECT_TRUE(contains(script, "0.5 with lines dt 2"));
  const auto svg = report::inline_svg("<?xml version=\"1.0\"?>\n<svg><g id=\"a\"><use xlink:href='#b'/>"
                                      "<path fill=\"url(#c)\"/></g></svg>",
                                      "p1-");
  EXPECT_EQ(svg, "<svg><g id=\"p1-a\"><use xlink:href='#p1-b'/><path fill=\"url(#p1-c)\"/></g></svg>");
  // gnuplot draws an opaque key twice, repeating its ids; later copies get a counter.
  EXPECT_EQ(report::inline_svg("<svg><g id='k'/><g id='k'/></svg>", "p2-"), "<svg><g id='p2-k'/><g id='p2-k-2'/></svg>");
}

TEST(ReportGnuplot, ErrorBarsBandsAndLabelledTics) {
  report::Plot plot;
  report::Series bars{"by time", "#1f77b4", {{1, 0.5}, {2, 0.25}}, false, 1.5};
  bars.range = {{0.4, 0.6}, {0.25, 0.25}};
  report::Series band{"", "#ff7f0e", {{1, 0.3}, {2, 0.4}, {3, 0.5}}, false, 1.0};
  band.range = {{0.2, 0.4}, {0.3, std::nan("")}, {0.45, 0.55}};
  band.band = true;
  plot.series = {bars, band};
  plot.xtics = {{1, "nadamw"}, {2, "it's"}};
  const auto script = report::gnuplot_script(plot, "/tmp/x.svg");
  EXPECT_TRUE(contains(script, "$d0 << EOD\n1 0.5 0.4 0.6\n2 0.25 0.25 0.25\nEOD\n")) << script;
  EXPECT_TRUE(contains(script, "$d1 << EOD\n1 0.2 0.4\n3 0.45 0.55\nEOD\n")) << script;  // no NaN rows
  EXPECT_TRUE(contains(script, "$d0 using 1:2:3:4 with yerrorbars")) << script;
  EXPECT_TRUE(contains(script, "$d1 using 1:2:3 with filledcurves fs transparent solid 0.15")) << script;
  EXPECT_TRUE(contains(script, "set xtics ('nadamw' 1, 'it''s' 2)\n")) << script;
  const auto svg = report::render_svg(plot);  // gnuplot accepts it
  EXPECT_TRUE(contains(svg, "<svg"));
}

TEST_F(ReportHtml, CommandWritesTheFile) {
  auto r = run_cli("report " + (root / "exp").string() + " --targets " + options.targets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "report: " + (root / "exp" / "report.html").string())) << r.output;
  EXPECT_TRUE(fs::file_size(root / "exp" / "report.html") > 10000);
  auto out = run_cli("report " + (root / "exp").string() + " --targets " + options.targets + " --out " +
                     (root / "sub" / "r.html").string());
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(fs::exists(root / "sub" / "r.html"));
}
