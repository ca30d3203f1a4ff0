// The HTML report's content, without a browser.
#include <gtest/gtest.h>

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
  EXPECT_EQ(count(html, "<svg"), 4u);  // the profiles + one per workload
  EXPECT_GE(count(html, "<path"), 4u * 5);
  EXPECT_TRUE(contains(html, "Produced by GNUPLOT"));
  EXPECT_TRUE(contains(html, "<td class=\"text\">adamw</td><td>0.6667</td><td>2/3</td><td>0.568x</td>")) << "scores table";
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
