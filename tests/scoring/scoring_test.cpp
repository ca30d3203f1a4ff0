// The whole score pipeline on log trees the tests write: hand-computed scores, steps, speedups,
// held-out variants on a v0.5-shaped tree, and the files written.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "scoring/log_fixtures.h"
#include "scoring/scoring.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
struct ScoringTwoByThree : ::testing::Test {
  void SetUp() override {
    root = fresh_scoring_dir("pipeline");
    write_two_by_three(root / "exp");
    options.targets = write_test_targets(root / "targets.json").string();
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
  ScoreOptions options;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}
}  // namespace

TEST_F(ScoringTwoByThree, ScoresByTimeMatchTheHandComputation) {
  std::ostringstream warnings;
  auto r = score_log_trees({root / "exp"}, options, &warnings);
  EXPECT_EQ(warnings.str(), "");
  ASSERT_EQ(r.submissions, (std::vector<std::string>{"adamw", "momentum"}));
  ASSERT_EQ(r.workloads, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(r.raw.t[0][0], 100);
  EXPECT_TRUE(std::isinf(r.raw.t[0][1]));
  EXPECT_EQ(r.raw.t[0][2], 300);
  EXPECT_EQ(r.raw.t[1][0], 210);
  EXPECT_EQ(r.raw.t[1][1], 50);
  EXPECT_EQ(r.raw.t[1][2], 1050);
  // Study 0 of adamw/alpha: trial 1 (eval 4, 100 s) counts, not trial 2 (eval 5, 60 s).
  const auto& study0 = r.times[0][0].studies[0];
  EXPECT_EQ(study0.best_trial, 1);
  EXPECT_EQ(study0.value, 100);
  EXPECT_EQ(r.times[0][0].min, 90);
  EXPECT_EQ(r.times[0][0].max, 120);
  EXPECT_EQ(r.times[0][1].studies_reached(), 1);
  EXPECT_NEAR(r.scores[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.scores[1], 178.0 / 297, 1e-12);
  EXPECT_EQ(r.ranking, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(r.reached(0), 2);
  EXPECT_EQ(r.reached(1), 3);
}

TEST_F(ScoringTwoByThree, ScoresBySteps) {
  options.axis = TimeAxis::Steps;
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  EXPECT_EQ(r.raw.t[0][0], 400);  // median of 500, 200, 400
  EXPECT_EQ(r.raw.t[1][0], 700);
  EXPECT_EQ(r.raw.t[1][1], 100);
  EXPECT_EQ(r.raw.t[1][2], 770);
  // momentum: ratios 1.75, 1, 2.5667 -> rho 1/3 (k < 25), 2/3 (k < 52), 1 -> 221/297.
  EXPECT_NEAR(r.scores[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.scores[1], 221.0 / 297, 1e-12);
  EXPECT_EQ(r.ranking, (std::vector<size_t>{1, 0}));
}

TEST_F(ScoringTwoByThree, SpeedupsReplaceInfinityByTheBudgetPlusOne) {
  options.baseline = "momentum";
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_EQ(r.speedups.size(), 1u);
  const auto& sp = r.speedups[0];
  EXPECT_EQ(sp.submission, "adamw");
  EXPECT_DOUBLE_EQ(sp.workloads[0].speedup, 2.1);
  EXPECT_EQ(sp.workloads[1].submission_time, 2001);  // max_runtime 2000 + 1
  EXPECT_FALSE(sp.workloads[1].submission_reached);
  EXPECT_DOUBLE_EQ(sp.workloads[1].speedup, 50.0 / 2001);
  EXPECT_DOUBLE_EQ(sp.workloads[2].speedup, 3.5);
  EXPECT_NEAR(sp.geomean_speedup, std::cbrt(2.1 * 50.0 / 2001 * 3.5), 1e-12);
  EXPECT_NEAR(sp.geomean_time_ratio * sp.geomean_speedup, 1.0, 1e-12);

  // Self-tuning budgets are x the table's factor (1.5 by default).
  options.ruleset = Ruleset::Self;
  auto self = score_log_trees({root / "exp"}, options, nullptr);
  EXPECT_EQ(self.speedups[0].workloads[1].submission_time, 3001);
}

TEST_F(ScoringTwoByThree, UnknownBaselineIsNamed) {
  options.baseline = "lion";
  try {
    score_log_trees({root / "exp"}, options, nullptr);
    FAIL();
  } catch (const ScoringError& e) {
    EXPECT_TRUE(contains(e.what(), "--baseline 'lion' is not one of the submissions scored (adamw, momentum)"))
        << e.what();
  }
}

TEST_F(ScoringTwoByThree, WritesTheScoreFiles) {
  options.baseline = "momentum";
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const auto files = write_score_files(r, root / "out");
  ASSERT_EQ(files.size(), 7u);  // + pairwise.csv and rank_probabilities.csv (bootstrap_test.cpp)

  auto scores = read_lines(root / "out" / "scores.csv");
  ASSERT_EQ(scores.size(), 3u);
  // AlgoPerf's columns first and unchanged; the interval and the other clock after them.
  EXPECT_EQ(scores[0], "rank,submission,score,base_workloads_reached,base_workloads,targets,ruleset,axis,"
                       "geomean_speedup_vs_momentum,score_ci_low,score_ci_high,rank_steps,score_steps,rank_moves");
  EXPECT_TRUE(contains(scores[1], "1,adamw,0.66666666666666"));
  EXPECT_TRUE(contains(scores[2], "2,momentum,0.59932659932659"));
  EXPECT_TRUE(contains(scores[2], ",3,3,test table,external,time,1"));

  auto ttt = read_lines(root / "out" / "time_to_targets.csv");
  ASSERT_EQ(ttt.size(), 1u + 2 * 3);
  EXPECT_EQ(ttt[1], "adamw,alpha,,validation/accuracy,0.5,time,3,3,90,100,120,100,1,1000,");
  EXPECT_EQ(ttt[2], "adamw,beta,,validation/loss,0.3,time,3,1,40,inf,inf,inf,inf,2000,");

  auto trials = read_lines(root / "out" / "trial_times.csv");
  ASSERT_EQ(trials.size(), 1u + 2 * 3 * 3 * 2);
  EXPECT_TRUE(contains(trials[1], "adamw,alpha,0,1,time,1,4,100,0.51")) << trials[1];
  EXPECT_TRUE(contains(trials[1], ",8,1")) << trials[1];
  EXPECT_TRUE(contains(trials[2], "adamw,alpha,0,2,time,1,5,60,0.50")) << trials[2];
  EXPECT_TRUE(contains(trials[2], ",8,0")) << trials[2];

  auto profiles = read_lines(root / "out" / "performance_profiles.csv");
  ASSERT_EQ(profiles.size(), 101u);
  EXPECT_EQ(profiles[0], "tau,adamw,momentum");
  EXPECT_EQ(profiles[1], "1,0.6666666666666666,0.3333333333333333");
  EXPECT_EQ(profiles[100], "4,0.6666666666666666,1");

  auto speedups = read_lines(root / "out" / "speedups.csv");
  ASSERT_EQ(speedups.size(), 1u + 3 + 1);
  EXPECT_TRUE(contains(speedups[2], "adamw,momentum,beta,time,2001,50,0,1,"));
  EXPECT_TRUE(contains(speedups[4], "adamw,momentum,geomean,time,"));
}

TEST_F(ScoringTwoByThree, SummaryRanksAndMarksInfinities) {
  options.baseline = "momentum";
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const auto text = format_summary(r);
  EXPECT_TRUE(contains(text, "targets: test table · external tuning · by time · 2 submissions · 3 base workloads"))
      << text;
  const auto ranked = text.substr(text.find("scores ("));
  EXPECT_TRUE(contains(ranked, "1  adamw       0.6667      2/3")) << text;
  EXPECT_TRUE(contains(ranked, "2  momentum    0.5993      3/3")) << text;
  EXPECT_TRUE(contains(text, "inf (1/3)")) << text;
  EXPECT_TRUE(contains(text, "50.00 (3/3)")) << text;
  EXPECT_TRUE(contains(text, "geometric mean")) << text;
  EXPECT_TRUE(contains(text, "90.00 / 100.0 / 120.0")) << text;
}

TEST_F(ScoringTwoByThree, MissingStudiesTrialsAndWorkloadsWarnAndScoreAsPublished) {
  // momentum loses study 2 of gamma, one trial of alpha's study 1, and all of beta.
  fs::remove_all(root / "exp" / "momentum" / "study_2" / "gamma_pytorch");
  fs::remove_all(root / "exp" / "momentum" / "study_1" / "alpha_pytorch" / "trial_2");
  for (int s = 0; s < 3; ++s) fs::remove_all(root / "exp" / "momentum" / ("study_" + std::to_string(s)) / "beta_pytorch");
  std::ostringstream printed;
  auto r = score_log_trees({root / "exp"}, options, &printed);
  const auto out = printed.str();
  EXPECT_TRUE(contains(out, (root / "exp" / "momentum").string() + ": workload 'gamma' is logged in 2 studies, "
                                                                     "test table expects 3"))
      << out;
  EXPECT_TRUE(contains(out, (root / "exp" / "momentum" / "study_1" / "alpha_pytorch").string() +
                                ": 1 readable trial, expected 2"))
      << out;
  EXPECT_TRUE(contains(out, (root / "exp" / "momentum").string() + ": no logs for workload 'beta'; scored as missing"))
      << out;
  EXPECT_EQ(r.warnings.size(), 3u) << out;
  EXPECT_TRUE(std::isnan(r.raw.t[1][1]));  // missing, never counted as reached
  EXPECT_EQ(r.raw.t[1][2], 1050);          // median over the 2 studies present
  // beta: nobody reached it now (adamw inf, momentum missing); momentum keeps alpha (ratio 2.1) and gamma (3.5).
  // rho_momentum: 0 (k < 37), 1/3 (k < 83), 2/3 -> sum = 46/3 + 34/3 = 80/3; score = (160/3 - 2/3) / 198.
  EXPECT_NEAR(r.scores[1], (160.0 / 3 - 2.0 / 3) / 198, 1e-12);

  // --strict refuses the first of these problems.
  options.strict = true;
  EXPECT_THROW(score_log_trees({root / "exp"}, options, nullptr), ScoringError);
}

TEST_F(ScoringTwoByThree, SelfTuningExpectsOneTrialPerStudy) {
  options.ruleset = Ruleset::Self;
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_TRUE(contains(r.warnings[0], "2 trials in a self-tuning study, expected 1")) << r.warnings[0];
}

TEST_F(ScoringTwoByThree, WorkloadsWithoutTargetsAreIgnoredWithAWarning) {
  write_trial(root / "exp", "adamw", 0, "delta_jax", 1, "validation/accuracy", curve(0.1, 0.5, 1, 3, 10));
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_TRUE(contains(r.warnings[0], "delta_jax: workload 'delta' has no target in 'test table'; ignored"));
  EXPECT_NEAR(r.scores[0], 2.0 / 3, 1e-12);
}

TEST(ScoringPipeline, AlgoPerfLogsWithoutTargetsHint) {
  const auto root = fresh_scoring_dir("hint");
  write_trial(root, "adamw", 0, "ogbg_jax", 1, "validation/mean_average_precision", curve(0.1, 0.3, 1, 3, 10));
  ScoreOptions options;  // targets: ours
  try {
    score_log_trees({root}, options, nullptr);
    FAIL();
  } catch (const ScoringError& e) {
    EXPECT_TRUE(contains(e.what(), "none of the logged workloads (ogbg) has a target in 'trainperf workloads'; for "
                                   "AlgoPerf's own logs pass --targets v0.5 or --targets v0.6"))
        << e.what();
  }
  fs::remove_all(root);
}

// A v0.5-shaped tree: 8 base workloads, 6 held-out variants, JAX and PyTorch folders.
TEST(ScoringPipeline, AlgoPerfV05HeldOutVariantsAndTheGrid) {
  const auto root = fresh_scoring_dir("v05");
  const auto table = load_targets("v0.5");
  ASSERT_EQ(table.base_names().size(), 8u);
  ASSERT_EQ(table.workloads.size(), 14u);
  // jax_sub reaches everything at eval 1 (200 s); torch_sub at eval 2 (300 s) but has no
  // wmt_glu_tanh logs and never reaches fastmri_tanh.
  for (const auto& w : table.workloads) {
    const double start = w.goal == Goal::Maximize ? w.target * 0.5 : w.target * 2;
    write_trial(root, "jax_sub", 0, w.name + "_jax", 1, w.metric, curve(start, w.target, 1, 5, 100));
    if (w.name == "wmt_glu_tanh") continue;
    write_trial(root, "torch_sub", 0, w.name + "_pytorch", 1, w.metric,
                curve(start, w.target, w.name == "fastmri_tanh" ? -1 : 2, 5, 100));
  }
  ScoreOptions options;
  options.targets = "v0.5";
  options.ruleset = Ruleset::Self;
  auto r = score_log_trees({root}, options, nullptr);
  ASSERT_EQ(r.scored.workloads.size(), 8u);
  const int wmt = r.scored.workload_index("wmt"), fastmri = r.scored.workload_index("fastmri");
  EXPECT_EQ(r.scored.t[0][wmt], 200);
  EXPECT_TRUE(std::isinf(r.scored.t[1][wmt]));      // variant missing
  EXPECT_TRUE(std::isinf(r.scored.t[1][fastmri]));  // variant not reached
  EXPECT_EQ(r.why[1][wmt], "held-out variant wmt_glu_tanh missing");
  EXPECT_NEAR(r.scores[0], 1.0, 1e-12);
  // torch_sub: 6 workloads at ratio 1.5 -> rho = 0 for tau < 1.5 (k < 17), 6/8 after.
  EXPECT_NEAR(r.scores[1], (2 * 83 * 0.75 - 0 - 0.75) / 198, 1e-12);
  EXPECT_NEAR(r.scores[1] * 1584, std::round(r.scores[1] * 1584), 1e-9);
  // Study counts: v0.5 expects 5.
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || contains(w, "is logged in 1 studies, AlgoPerf v0.5 expects 5");
  EXPECT_TRUE(warned);
  fs::remove_all(root);
}
