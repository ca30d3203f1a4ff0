// The bootstrap over studies (docs/scoring.md, "Uncertainty"): the generator, numpy's percentile,
// resamples that reproduce the point scoring, pairwise and rank probabilities from known replicates,
// the estimate against an exact enumeration of every resample, one study, identical studies, the
// other clock, and the independent numpy implementation (tests/golden/bootstrap/gen_bootstrap.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "scoring/compare.h"
#include "scoring/log_fixtures.h"
#include "scoring/scoring.h"

using namespace trainperf;
using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
struct Bootstrapped : ::testing::Test {
  void SetUp() override {
    root = fresh_scoring_dir("bootstrap");
    write_two_by_three(root / "exp");
    options.targets = write_test_targets(root / "targets.json").string();
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
  ScoreOptions options;
};

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// Two submissions whose three studies are copies of one another (`vary`: b's study 1 reaches alpha
// three times later, 144 s instead of 48 s; a's 40 s stays the fastest).
void write_identical_studies(const fs::path& root, bool vary) {
  const std::string acc = "validation/accuracy", loss = "validation/loss", bleu = "validation/bleu";
  for (int study = 0; study < 3; ++study) {
    for (int trial = 1; trial <= 2; ++trial) {
      write_trial(root, "a", study, "alpha_cpp", trial, acc, curve(0.1, 0.5, trial == 1 ? 3 : -1, 8, 10));
      write_trial(root, "a", study, "beta_cpp", trial, loss, curve(1.0, 0.3, trial == 1 ? 2 : -1, 6, 20));
      write_trial(root, "a", study, "gamma_cpp", trial, bleu, curve(5, 20, -1, 6, 100));
      const int b_alpha = vary && study == 1 ? 11 : 3;
      write_trial(root, "b", study, "alpha_cpp", trial, acc, curve(0.1, 0.5, trial == 1 ? b_alpha : -1, 14, 12));
      write_trial(root, "b", study, "beta_cpp", trial, loss, curve(1.0, 0.3, trial == 1 ? 1 : -1, 6, 20));
      write_trial(root, "b", study, "gamma_cpp", trial, bleu, curve(5, 20, trial == 1 ? 2 : -1, 6, 100));
    }
  }
}
}  // namespace

TEST(SplitMix64, ReproducesTheReferenceSequence) {
  // The first outputs for seed 0 of the reference implementation (Vigna, splitmix64.c).
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
  SplitMix64 a(7), b(7), c(8);
  EXPECT_EQ(a.index(5), b.index(5));
  EXPECT_NE(SplitMix64(7).next(), c.next());
}

TEST(Percentile, MatchesNumpysLinearMethod) {
  // numpy 2.4: np.percentile(v, [2.5, 50, 97.5, 0, 100, 37.5]).
  const std::vector<double> v = {0.5, 0.25, 1.0, 0.75, 0.0, 1.0 / 3, 0.1};
  EXPECT_DOUBLE_EQ(percentile(v, 2.5), 0.015000000000000003);
  EXPECT_DOUBLE_EQ(percentile(v, 50), 1.0 / 3);
  EXPECT_DOUBLE_EQ(percentile(v, 97.5), 0.9624999999999999);
  EXPECT_EQ(percentile(v, 0), 0.0);
  EXPECT_EQ(percentile(v, 100), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 37.5), 0.2708333333333333);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
  EXPECT_TRUE(std::isnan(percentile({1, kNaN}, 50)));
  // Towards an infinite value the interpolation is infinite (numpy gives NaN); below it, finite.
  EXPECT_TRUE(std::isinf(percentile({1, 2, kInf}, 97.5)));
  EXPECT_DOUBLE_EQ(percentile({1, 2, kInf}, 25), 1.5);
}

TEST_F(Bootstrapped, DrawingEveryStudyOnceReproducesThePointScoring) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  const auto studies = study_times(r.times);
  ASSERT_EQ(studies.size(), 2u);
  EXPECT_EQ(studies[0].studies, (std::vector<int>{0, 1, 2}));
  Resample identity = {{0, 1, 2}, {2, 0, 1}};  // any order: a median does not care
  const auto rep = score_resample(studies, identity, r.raw, r.targets);
  EXPECT_EQ(rep.scores, r.scores);
  for (size_t s = 0; s < 2; ++s)
    for (size_t w = 0; w < 3; ++w) EXPECT_EQ(rep.raw.t[s][w], r.raw.t[s][w]) << s << " " << w;
  // Study 0 three times: adamw's beta (40 s, reached only in study 0) now counts; alpha is 100 s.
  const auto study0 = score_resample(studies, {{0, 0, 0}, {0, 1, 2}}, r.raw, r.targets);
  EXPECT_EQ(study0.raw.t[0][0], 100);
  EXPECT_EQ(study0.raw.t[0][1], 40);
  // alpha 100 vs 210, beta 40 vs 50, gamma 300 vs 1050 (over 4x: momentum's is infinite).
  EXPECT_NEAR(study0.scores[0], 1.0, 1e-12);
  EXPECT_GT(study0.scores[0], r.scores[0]);
}

TEST(BootstrapSummary, PairwiseAndRankProbabilitiesFromKnownReplicates) {
  Bootstrap b;
  b.scores = {{0.9, 0.5, 0.5}, {0.4, 0.6, 0.1}, {0.7, 0.7, 0.2}, {0.8, 0.3, 0.9}};
  summarize_replicates(b);
  // P(0 > 1): replicates 0 and 3; P(1 > 0): replicate 1; replicate 2 is a tie and counts for neither.
  EXPECT_DOUBLE_EQ(b.pairwise[0][1], 0.5);
  EXPECT_DOUBLE_EQ(b.pairwise[1][0], 0.25);
  EXPECT_DOUBLE_EQ(b.pairwise[0][2], 0.75);
  EXPECT_DOUBLE_EQ(b.pairwise[2][1], 0.25);
  for (size_t s = 0; s < 3; ++s) EXPECT_EQ(b.pairwise[s][s], 0.0);
  // A certainty is exactly 1 (no sum of n times 1/n rounding above it).
  Bootstrap sure;
  sure.scores.assign(1000, {0.9, 0.1});
  summarize_replicates(sure);
  EXPECT_EQ(sure.pairwise[0][1], 1.0);
  EXPECT_EQ(sure.rank_probability[1][1], 1.0);
  // Ranks: rep0 (1, 2, 2), rep1 (2, 1, 3), rep2 (1, 1, 3), rep3 (2, 3, 1): tied scores share a rank.
  EXPECT_EQ(b.rank_probability[0], (std::vector<double>{0.5, 0.5, 0}));
  EXPECT_EQ(b.rank_probability[1], (std::vector<double>{0.5, 0.25, 0.25}));
  EXPECT_EQ(b.rank_probability[2], (std::vector<double>{0.25, 0.25, 0.5}));
  EXPECT_DOUBLE_EQ(b.low[0], percentile({0.9, 0.4, 0.7, 0.8}, 2.5));
  EXPECT_DOUBLE_EQ(b.high[2], percentile({0.5, 0.1, 0.2, 0.9}, 97.5));
}

// Every ordered resample of two submissions with three studies each (27 x 27, equally likely), scored
// exactly; the generator's estimate must agree within its sampling error. x reaches alpha in 100 s in
// studies 0 and 1 and in 300 s in study 2, y in 150 s in each: x's median is 300 s, and y wins, exactly
// when two or three of x's draws are study 2 (7 of 27 resamples).
TEST_F(Bootstrapped, EstimatesAgreeWithAnExactEnumerationOfEveryResample) {
  const std::string acc = "validation/accuracy";
  for (int study = 0; study < 3; ++study)
    for (int trial = 1; trial <= 2; ++trial) {
      write_trial(root / "duel", "x", study, "alpha_cpp", trial, acc, curve(0.1, 0.5, trial == 1 ? (study == 2 ? 2 : 0) : -1, 4, 100));
      write_trial(root / "duel", "y", study, "alpha_cpp", trial, acc, curve(0.1, 0.5, trial == 1 ? 0 : -1, 4, 150));
    }
  auto r = score_log_trees({root / "duel"}, options, nullptr);
  const auto studies = study_times(r.times);
  ASSERT_EQ(studies[0].value[0], (std::vector<double>{100, 100, 300}));
  double exact_x_wins = 0, exact_y_wins = 0;
  std::vector<double> exact_scores_x;
  int n = 0;
  for (int i = 0; i < 27; ++i)
    for (int j = 0; j < 27; ++j) {
      Resample picks = {{size_t(i / 9), size_t(i / 3 % 3), size_t(i % 3)}, {size_t(j / 9), size_t(j / 3 % 3), size_t(j % 3)}};
      const auto rep = score_resample(studies, picks, r.raw, r.targets);
      exact_x_wins += rep.scores[0] > rep.scores[1];
      exact_y_wins += rep.scores[1] > rep.scores[0];
      exact_scores_x.push_back(rep.scores[0]);
      ++n;
    }
  exact_x_wins /= n;
  exact_y_wins /= n;
  EXPECT_NEAR(exact_x_wins, 20.0 / 27, 1e-12);
  EXPECT_NEAR(exact_y_wins, 7.0 / 27, 1e-12);

  const int replicates = 4000;
  const auto b = bootstrap_scores(studies, r.raw, r.targets, replicates, kDefaultBootstrapSeed);
  ASSERT_TRUE(b.available()) << b.unavailable;
  auto tolerance = [&](double p) { return 4 * std::sqrt(p * (1 - p) / replicates); };
  EXPECT_NEAR(b.pairwise[0][1], exact_x_wins, tolerance(exact_x_wins));
  EXPECT_NEAR(b.pairwise[1][0], exact_y_wins, tolerance(exact_y_wins));
  EXPECT_NEAR(b.rank_probability[0][0], exact_x_wins, tolerance(exact_x_wins));
  EXPECT_NEAR(b.rank_probability[1][0], exact_y_wins, tolerance(exact_y_wins));
  // x's score is 1/3 (alpha within 1x of the best, 1 of 3 bases) or, when y is faster, lower: the
  // interval spans both, and its ends are scores some resample gives.
  EXPECT_LT(b.low[0], b.high[0]);
  for (double end : {b.low[0], b.high[0]})
    EXPECT_NE(std::find(exact_scores_x.begin(), exact_scores_x.end(), end), exact_scores_x.end()) << end;
  EXPECT_EQ(b.scores.size(), static_cast<size_t>(replicates));
  // The same seed draws the same resamples; another seed others.
  EXPECT_EQ(bootstrap_scores(studies, r.raw, r.targets, 50, 5).scores,
            bootstrap_scores(studies, r.raw, r.targets, 50, 5).scores);
  EXPECT_NE(bootstrap_scores(studies, r.raw, r.targets, 50, 5).scores,
            bootstrap_scores(studies, r.raw, r.targets, 50, 6).scores);
}

TEST_F(Bootstrapped, ScoresCarryTheIntervalThePairwiseMatrixAndRankProbabilities) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_TRUE(r.bootstrap.available()) << r.bootstrap.unavailable;
  EXPECT_EQ(r.bootstrap.replicates, kDefaultBootstrapReplicates);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_LE(r.bootstrap.low[s], r.scores[s]) << s;
    EXPECT_GE(r.bootstrap.high[s], r.scores[s]) << s;
    double total = 0;
    for (double p : r.bootstrap.rank_probability[s]) total += p;
    EXPECT_NEAR(total, 1.0, 1e-9);
  }
  EXPECT_LT(r.bootstrap.low[0], r.bootstrap.high[0]);  // adamw's studies differ on alpha and beta
  EXPECT_NEAR(r.bootstrap.pairwise[0][1] + r.bootstrap.pairwise[1][0], 1.0, 0.2);  // few ties
  ASSERT_EQ(r.bootstrap.rho_low.size(), 2u);
  for (size_t k = 0; k < r.profile.taus.size(); ++k) {
    EXPECT_LE(r.bootstrap.rho_low[0][k], r.bootstrap.rho_high[0][k]);
  }

  const auto files = write_score_files(r, root / "out");
  const auto scores = lines_of(root / "out" / "scores.csv");
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0], "rank,submission,score,base_workloads_reached,base_workloads,targets,ruleset,axis,"
                       "score_ci_low,score_ci_high,rank_steps,score_steps,rank_moves");
  EXPECT_EQ(scores[1].rfind(fmt::format("1,adamw,{},2,3,test table,external,time,{},{},2,", r.scores[0],
                                        r.bootstrap.low[0], r.bootstrap.high[0]),
                            0),
            0u)
      << scores[1];
  EXPECT_TRUE(scores[1].ends_with(",1")) << scores[1];  // adamw is first by time, second by steps
  const auto pairwise = lines_of(root / "out" / "pairwise.csv");
  ASSERT_EQ(pairwise.size(), 3u);
  EXPECT_EQ(pairwise[0], "submission,adamw,momentum");
  EXPECT_EQ(pairwise[1], fmt::format("adamw,0,{}", r.bootstrap.pairwise[0][1]));
  EXPECT_EQ(pairwise[2], fmt::format("momentum,{},0", r.bootstrap.pairwise[1][0]));
  const auto ranks = lines_of(root / "out" / "rank_probabilities.csv");
  ASSERT_EQ(ranks.size(), 3u);
  EXPECT_EQ(ranks[0], "submission,rank_1,rank_2");
  EXPECT_EQ(ranks[1], fmt::format("adamw,{},{}", r.bootstrap.rank_probability[0][0],
                                  r.bootstrap.rank_probability[0][1]));
}

TEST_F(Bootstrapped, TheOtherClockRanksBesideTheScoredOne) {
  auto r = score_log_trees({root / "exp"}, options, nullptr);
  ASSERT_TRUE(r.other_clock.computed());
  EXPECT_EQ(r.other_clock.axis, TimeAxis::Steps);
  options.axis = TimeAxis::Steps;
  auto steps = score_log_trees({root / "exp"}, options, nullptr);
  EXPECT_EQ(r.other_clock.scores, steps.scores);  // the same as scoring --by steps
  EXPECT_EQ(r.other_clock.ranking, steps.ranking);
  EXPECT_EQ(steps.other_clock.scores, r.scores);
  EXPECT_EQ(steps.other_clock.axis, TimeAxis::Time);
  // adamw is first by time (0.6667 vs 0.5993), momentum by steps (0.7441): both move.
  EXPECT_EQ(r.rank_of(0), 1);
  EXPECT_EQ(r.other_clock.rank_of(0), 2);
  EXPECT_TRUE(r.rank_moves(0));
  EXPECT_TRUE(r.rank_moves(1));
  const auto text = format_summary(r);
  EXPECT_TRUE(contains(text, "moved: ranked differently by steps than by time (adamw, momentum)")) << text;
  EXPECT_TRUE(contains(text, "2/3  [0.6667, 1.0000]    1.00  2 (0.6667)  moved")) << text;
  EXPECT_TRUE(contains(text, "3/3  [0.5707, 0.6397]    0.00  1 (0.7441)  moved")) << text;
}

TEST_F(Bootstrapped, TheOtherClockWarnsButNeverRefusesUnderStrict) {
  // Logs with a `score` column but no `global_step`: scoring by time is fine, the step ranking is not.
  for (auto sub : {"x", "y"})
    for (int study = 0; study < 2; ++study)
      write_text_file(trial_path(root / "nosteps", sub, study, "alpha_jax", 1) / "eval_measurements.csv",
                      std::string("score,validation/accuracy\n10,0.3\n") + (sub[0] == 'x' ? "20" : "30") + ",0.6\n");
  write_text_file(root / "alpha.json",
                  R"({"workloads": {"alpha": {"metric": "validation/accuracy", "target": 0.5}}})");
  options.targets = (root / "alpha.json").string();
  options.strict = true;
  std::ostringstream printed;
  auto r = score_log_trees({root / "nosteps"}, options, &printed);
  EXPECT_EQ(r.scores[0], 1.0);
  EXPECT_TRUE(contains(printed.str(), "no column 'global_step'; the trial counts as not reaching the target"))
      << printed.str();
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.other_clock.scores, (std::vector<double>{0, 0}));  // nothing reached by steps
  options.axis = TimeAxis::Steps;  // asked for, the same problem is refused
  EXPECT_THROW(score_log_trees({root / "nosteps"}, options, nullptr), ScoringError);
}

TEST_F(Bootstrapped, OneStudyGivesNoIntervalRatherThanAZeroWidthOne) {
  const fs::path one = root / "one";
  fs::create_directories(one);
  for (auto sub : {"adamw", "momentum"}) {
    fs::create_directories(one / sub);
    fs::copy(root / "exp" / sub / "study_1", one / sub / "study_1", fs::copy_options::recursive);
  }
  // A pairwise.csv left from an earlier run with several studies must not survive.
  write_score_files(score_log_trees({root / "exp"}, options, nullptr), root / "out");
  ASSERT_TRUE(fs::exists(root / "out" / "pairwise.csv"));

  auto r = score_log_trees({one}, options, nullptr);
  EXPECT_FALSE(r.bootstrap.available());
  EXPECT_TRUE(contains(r.bootstrap.unavailable, "no interval can be given")) << r.bootstrap.unavailable;
  EXPECT_TRUE(contains(r.bootstrap.unavailable, "adamw (1 study), momentum (1 study)")) << r.bootstrap.unavailable;
  write_score_files(r, root / "out");
  const auto scores = lines_of(root / "out" / "scores.csv");
  ASSERT_EQ(scores.size(), 3u);
  // rank,submission,score,reached,bases,targets,ruleset,axis, then two empty interval cells.
  EXPECT_TRUE(contains(scores[1], ",time,,,")) << scores[1];
  EXPECT_FALSE(fs::exists(root / "out" / "pairwise.csv"));
  EXPECT_FALSE(fs::exists(root / "out" / "rank_probabilities.csv"));
  const auto text = format_summary(r);
  EXPECT_TRUE(contains(text, "no interval can be given")) << text;
  EXPECT_FALSE(contains(text, "95% interval")) << text;

  // One submission with a single study is enough to withhold the intervals of all (theirs would be
  // conditional on that one study).
  fs::copy(root / "exp" / "adamw", one / "adamw", fs::copy_options::recursive | fs::copy_options::skip_existing);
  auto mixed = score_log_trees({one}, options, nullptr);
  EXPECT_FALSE(mixed.bootstrap.available());
  EXPECT_TRUE(contains(mixed.bootstrap.unavailable, "momentum (1 study)")) << mixed.bootstrap.unavailable;
  EXPECT_FALSE(contains(mixed.bootstrap.unavailable, "adamw")) << mixed.bootstrap.unavailable;

  options.bootstrap = 0;
  auto off = score_log_trees({root / "exp"}, options, nullptr);
  EXPECT_FALSE(off.bootstrap.available());
  EXPECT_TRUE(contains(off.bootstrap.unavailable, "--bootstrap 0"));
}

TEST_F(Bootstrapped, IdenticalStudiesGiveZeroWidthOnlyWhenTheyAreIdentical) {
  write_identical_studies(root / "same", false);
  auto same = score_log_trees({root / "same"}, options, nullptr);
  ASSERT_TRUE(same.bootstrap.available()) << same.bootstrap.unavailable;
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(same.bootstrap.low[s], same.scores[s]) << s;
    EXPECT_EQ(same.bootstrap.high[s], same.scores[s]) << s;
  }
  EXPECT_GT(same.scores[0], 0.0);
  EXPECT_GT(same.scores[1], 0.0);

  write_identical_studies(root / "varied", true);
  auto varied = score_log_trees({root / "varied"}, options, nullptr);
  ASSERT_TRUE(varied.bootstrap.available());
  EXPECT_LT(varied.bootstrap.low[1], varied.bootstrap.high[1]);  // b's study 1 is slow on alpha
  // a is the fastest on alpha whatever b draws, so its ratios and score never move: zero width, truly.
  EXPECT_EQ(varied.bootstrap.low[0], varied.scores[0]);
  EXPECT_EQ(varied.bootstrap.high[0], varied.scores[0]);
}

TEST_F(Bootstrapped, CompareGivesTheRatioOfMediansWithAnInterval) {
  auto r = compare_submissions(root / "exp" / "adamw", root / "exp" / "momentum", options, nullptr);
  // alpha: adamw's studies 100, 90, 120 s, momentum's 210 s in each: B / A from 1.75 to 2.33.
  const auto alpha = median_ratio_interval(r, 0);
  EXPECT_DOUBLE_EQ(alpha.ratio, 2.1);
  EXPECT_GE(alpha.low, 1.75);
  EXPECT_LE(alpha.high, 210.0 / 90);
  EXPECT_LT(alpha.low, alpha.high);
  EXPECT_EQ(alpha.verdict(), "A faster");
  // beta: adamw's median is infinite: no ratio, no interval.
  const auto beta = median_ratio_interval(r, 1);
  EXPECT_TRUE(std::isnan(beta.ratio));
  EXPECT_EQ(beta.verdict(), "");
  // gamma: identical studies on both sides: the ratio 3.5 exactly, and truly so.
  const auto gamma = median_ratio_interval(r, 2);
  EXPECT_EQ(gamma.low, 3.5);
  EXPECT_EQ(gamma.high, 3.5);
  const auto text = format_comparison(r);
  EXPECT_TRUE(contains(text, "[3.500, 3.500]  A faster")) << text;
  EXPECT_TRUE(contains(text, "the data separate them on 2 of the 2 workloads both reached")) << text;
  EXPECT_TRUE(contains(text, "P(A > B) = ")) << text;
}

TEST(RatioIntervalVerdict, SaysWhenTheDataCannotSeparateThem) {
  RatioInterval holds_one{1.1, 0.9, 1.3, 0};
  EXPECT_EQ(holds_one.verdict(), "cannot tell");
  EXPECT_EQ((RatioInterval{0.5, 0.4, 0.8, 0}).verdict(), "B faster");
  EXPECT_EQ((RatioInterval{2, 1.2, kInf, 0}).verdict(), "A faster");
  EXPECT_EQ((RatioInterval{1, 1, 1, 0}).verdict(), "cannot tell");
}

// Against the numpy implementation of the same resampling on the messy v0.5-shaped golden tree.
struct BootstrapGolden : ::testing::Test {
  void SetUp() override {
    std::ifstream tree_in(std::string(TRAINPERF_TESTS_DIR) + "/golden/scoring/scores_golden.json");
    std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/bootstrap/bootstrap_golden.json");
    ASSERT_TRUE(tree_in && in) << "missing golden files (run tests/golden/bootstrap/gen_bootstrap.py)";
    golden = nlohmann::json::parse(in);
    root = fresh_scoring_dir("bootstrap_golden");
    write_golden_tree(nlohmann::json::parse(tree_in), root);
  }
  void TearDown() override { fs::remove_all(root); }

  void check(TimeAxis axis, const std::string& name) {
    ScoreOptions options;
    options.targets = golden["targets"].get<std::string>();
    options.axis = axis;
    options.bootstrap = golden["replicates"].get<int>();
    options.bootstrap_seed = golden["seed"].get<uint64_t>();
    auto r = score_log_trees({root}, options, nullptr);
    const auto& e = golden["expected"][name];
    ASSERT_EQ(r.submissions, e["submissions"].get<std::vector<std::string>>());
    ASSERT_TRUE(r.bootstrap.available()) << r.bootstrap.unavailable;
    const auto studies = study_times(r.times);
    const auto draws = draw_resamples(studies, 3, options.bootstrap_seed);
    for (size_t b = 0; b < 3; ++b)
      for (size_t s = 0; s < studies.size(); ++s)
        EXPECT_EQ(draws[b][s], e["first_picks"][b][s].get<std::vector<size_t>>()) << name << " " << b << " " << s;
    const size_t n = r.submissions.size();
    for (size_t s = 0; s < n; ++s) {
      EXPECT_NEAR(r.bootstrap.scores[0][s], e["first_scores"][s].get<double>(), 1e-12) << name << " " << s;
      EXPECT_NEAR(r.bootstrap.low[s], e["low"][s].get<double>(), 1e-12) << name << " " << r.submissions[s];
      EXPECT_NEAR(r.bootstrap.high[s], e["high"][s].get<double>(), 1e-12) << name << " " << r.submissions[s];
      for (size_t o = 0; o < n; ++o) {
        EXPECT_NEAR(r.bootstrap.pairwise[s][o], e["pairwise"][s][o].get<double>(), 1e-12) << name << s << o;
        EXPECT_NEAR(r.bootstrap.rank_probability[s][o], e["rank_probability"][s][o].get<double>(), 1e-12)
            << name << s << o;
      }
      for (size_t k = 0; k < r.profile.taus.size(); ++k) {
        EXPECT_NEAR(r.bootstrap.rho_low[s][k], e["rho_low"][s][k].get<double>(), 1e-12) << name << s << k;
        EXPECT_NEAR(r.bootstrap.rho_high[s][k], e["rho_high"][s][k].get<double>(), 1e-12) << name << s << k;
      }
    }
  }
  nlohmann::json golden;
  fs::path root;
};

TEST_F(BootstrapGolden, GeneratorMatchesThePythonSplitMix64) {
  SplitMix64 rng(0);
  for (const auto& v : golden["splitmix64_seed0_first"]) EXPECT_EQ(std::to_string(rng.next()), v.get<std::string>());
}
TEST_F(BootstrapGolden, ByTimeMatchesNumpy) { check(TimeAxis::Time, "time"); }
TEST_F(BootstrapGolden, ByStepsMatchesNumpy) { check(TimeAxis::Steps, "steps"); }
