// The calibration page (docs/calibration.md) rendered from a hand-written calibration.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/calibration_page.h"

using nlohmann::json;

namespace {

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

json calibration() {
  return json::parse(R"({
    "submission": "prodigy", "studies": 3, "seed": 1,
    "workloads": [{"name": "alpha"}, {"name": "beta<b>"}],
    "search_space": {"origin": "space.json"},
    "criterion": {"description": "geometric mean of capped ratios"},
    "candidates": [
      {"index": 0, "point": {"d_coef": 1.0, "beta2": 0.999}, "studies": 3, "score": 0.6,
       "score_ci_low": 0.5, "score_ci_high": 0.9, "workloads": {"alpha": {"ratio": 0.6}, "beta<b>": {"ratio": 0.6}}},
      {"index": 1, "point": {"d_coef": 2.5, "beta2": 0.999}, "studies": 3, "score": 0.5477,
       "score_ci_low": 0.4, "score_ci_high": 0.7, "differs_from_defaults": {"d_coef": 2.5},
       "workloads": {"alpha": {"ratio": 0.3}, "beta<b>": {"ratio": 1.0}}},
      {"index": 2, "point": {"d_coef": 0.2, "beta2": 0.99}, "studies": 1, "score": 4.0,
       "interval_unavailable": "1 study", "differs_from_defaults": {"d_coef": 0.2, "beta2": 0.99},
       "workloads": {"alpha": {"ratio": 4.0}, "beta<b>": {"ratio": 4.0}}}],
    "chosen": {"index": 1, "point": {"d_coef": 2.5, "beta2": 0.999}},
    "chosen_vs_defaults": {"p_chosen_better": 0.8, "chosen_score": 0.5477, "defaults_score": 0.6},
    "halving": {"eta": 3, "rungs": [{"studies": 1, "candidates": [0, 1, 2], "scores": [0.6, 0.5, 4.0], "kept": [1]},
                                    {"studies": 3, "candidates": [1, 0], "scores": [0.5477, 0.6]}]},
    "trials_run": 14, "trials_exhaustive": 18,
    "leave_one_out": [{"held_out": "alpha", "chosen_without": 0, "chosen_with": 1, "held_out_ratio_without": 0.6,
                       "held_out_ratio_with": 0.3, "drop": 2.0}]
  })");
}

}  // namespace

TEST(CalibrationPage, ShowsCandidatesTheChosenPointHalvingAndLeaveOneOut) {
  const std::string html = trainperf::report::render_calibration_page(calibration());
  EXPECT_NE(html.find("Calibration of prodigy"), std::string::npos);
  EXPECT_EQ(count(html, "<tr class=\"chosen\">"), 1u);
  EXPECT_NE(html.find("<tr class=\"chosen\"><td>1</td><td>0.548</td><td>[0.400, 0.700]</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("no interval (one study)"), std::string::npos);
  EXPECT_EQ(count(html, "<circle"), 3u);  // one dot per candidate
  EXPECT_EQ(count(html, "stroke-width=\"2\""), 2u);  // whiskers only where there is an interval
  EXPECT_NE(html.find("<td class=\"text\">d_coef</td><td class=\"text\">2.5</td><td class=\"text\">1.0</td>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("scores lower in 80% of the bootstrap resamples"), std::string::npos);
  EXPECT_NE(html.find("<td>x2.000</td>"), std::string::npos);  // the leave-one-out drop
  EXPECT_NE(html.find("14 trials run; the exhaustive grid: 18."), std::string::npos);
  EXPECT_NE(html.find("1 (0.500), 2 (4.000)"), std::string::npos);  // rung 0's candidates and scores
  EXPECT_EQ(html.find("beta<b>"), std::string::npos) << "names are escaped";
  EXPECT_NE(html.find("beta&lt;b&gt;"), std::string::npos);
}

TEST(CalibrationPage, WithoutHalvingOrIntervals) {
  json cal = calibration();
  cal["halving"] = nullptr;
  cal["chosen_vs_defaults"] = nullptr;
  const std::string html = trainperf::report::render_calibration_page(cal);
  EXPECT_EQ(html.find("<th>rung</th>"), std::string::npos);
  EXPECT_EQ(html.find("bootstrap resamples"), std::string::npos);
}
