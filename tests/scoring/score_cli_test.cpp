// `trainperf score` and `trainperf compare` end to end.
#include <gtest/gtest.h>

#include "scoring/log_fixtures.h"
#include "support/cli.h"

using namespace trainperf::testing;

namespace {
struct ScoreCli : ::testing::Test {
  void SetUp() override {
    root = fresh_scoring_dir("cli");
    write_two_by_three(root / "exp");
    targets = write_test_targets(root / "targets.json").string();
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
  std::string targets;
};
using CompareCli = ScoreCli;
}  // namespace

TEST_F(ScoreCli, PrintsTheRankedTableAndWritesTheFiles) {
  auto r = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --baseline momentum");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "1  adamw       0.6667      2/3")) << r.output;
  EXPECT_TRUE(contains(r.output, "2  momentum    0.5993      3/3")) << r.output;
  EXPECT_TRUE(contains(r.output, "speedups vs momentum")) << r.output;
  for (auto f : {"scores.csv", "time_to_targets.csv", "trial_times.csv", "performance_profiles.csv", "speedups.csv"})
    EXPECT_TRUE(fs::exists(root / "exp" / "scores" / f)) << f;
  // Scoring again reads past its own output folder without a warning.
  auto again = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --strict --out " +
                       (root / "elsewhere").string());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_FALSE(contains(again.output, "warning")) << again.output;
  EXPECT_TRUE(fs::exists(root / "elsewhere" / "scores.csv"));
}

TEST_F(ScoreCli, IntervalsPairwiseAndBothClocks) {
  auto r = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --out " + (root / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "95% interval: percentile bootstrap over studies (1000 resamples, seed 20261207)"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "rank  submission   score  reached      95% interval  P(1st)    by steps")) << r.output;
  EXPECT_TRUE(contains(r.output, "0.5993      3/3  [0.5707, 0.6397]    0.00  1 (0.7441)  moved")) << r.output;
  EXPECT_TRUE(contains(r.output, "moved: ranked differently by steps than by time (adamw, momentum)")) << r.output;
  EXPECT_TRUE(contains(r.output, "P(row's score > column's score) over the 1000 resamples")) << r.output;
  for (auto f : {"pairwise.csv", "rank_probabilities.csv"}) EXPECT_TRUE(fs::exists(root / "out" / f)) << f;
  EXPECT_TRUE(contains(r.output, (root / "out" / "pairwise.csv").string())) << r.output;

  // Fewer resamples, another seed: the same point scores, other intervals; 0 turns them off.
  auto few = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --bootstrap 200 "
                     "--bootstrap-seed 3 --out " + (root / "few").string());
  ASSERT_EQ(few.exit_code, 0) << few.output;
  EXPECT_TRUE(contains(few.output, "(200 resamples, seed 3)")) << few.output;
  auto off = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --bootstrap 0 --out " +
                     (root / "out").string());
  ASSERT_EQ(off.exit_code, 0) << off.output;
  EXPECT_TRUE(contains(off.output, "no interval: the bootstrap is off (--bootstrap 0)")) << off.output;
  EXPECT_FALSE(fs::exists(root / "out" / "pairwise.csv"));
  auto negative = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --bootstrap -5");
  EXPECT_NE(negative.exit_code, 0) << negative.output;
  EXPECT_TRUE(contains(negative.output, "--bootstrap")) << negative.output;
}

TEST_F(ScoreCli, OneStudySaysNoIntervalCanBeGiven) {
  for (auto sub : {"adamw", "momentum"})
    for (auto study : {"study_1", "study_2"}) fs::remove_all(root / "exp" / sub / study);
  auto r = run_cli("score " + (root / "exp").string() + " --targets " + targets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "no interval can be given: an interval over studies needs at least two studies of "
                                 "every submission; adamw (1 study), momentum (1 study) logged fewer"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "95% interval")) << r.output;
}

TEST_F(ScoreCli, BySteps) {
  auto r = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --by steps --out " +
                   (root / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "by steps")) << r.output;
  EXPECT_TRUE(contains(r.output, "1  momentum    0.7441")) << r.output;
}

TEST_F(ScoreCli, MessyLogsWarnButStrictRefuses) {
  fs::create_directories(root / "exp" / "adamw" / "study_0" / "alpha_jax" / "trial_9");
  auto lenient = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --out " +
                         (root / "out").string());
  EXPECT_EQ(lenient.exit_code, 0) << lenient.output;
  EXPECT_TRUE(contains(lenient.output, "trainperf: warning: " + (root / "exp" / "adamw" / "study_0" / "alpha_jax" /
                                                                  "trial_9").string() +
                                           ": trial folder without eval_measurements.csv"))
      << lenient.output;
  EXPECT_TRUE(contains(lenient.output, "1 warning about the logs")) << lenient.output;
  auto strict = run_cli("score " + (root / "exp").string() + " --targets " + targets + " --strict --out " +
                        (root / "out").string());
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_TRUE(contains(strict.output, "trainperf: error: " + (root / "exp").string())) << strict.output;
  EXPECT_TRUE(contains(strict.output, "refused under --strict")) << strict.output;
}

TEST_F(ScoreCli, ADirectoryWithoutTrialsSaysSo) {
  fs::create_directories(root / "nothing" / "adamw" / "study_0");
  auto r = run_cli("score " + (root / "nothing").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "no trials found")) << r.output;
}

TEST_F(ScoreCli, UnknownMetricInATargetsFileNamesFileAndKey) {
  write_text_file(root / "bad.json", R"({"workloads": {"alpha": {"metric": "validation/acc", "target": 0.5}}})");
  auto r = run_cli("score " + (root / "exp").string() + " --targets " + (root / "bad.json").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, (root / "bad.json").string() + ": workloads.alpha.metric: unknown metric "
                                                                 "'validation/acc'"))
      << r.output;
}

TEST_F(ScoreCli, BadOptionValuesAreRefusedByTheParser) {
  auto r = run_cli("score " + (root / "exp").string() + " --by epochs");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "--by")) << r.output;
}

TEST_F(CompareCli, SideBySidePerWorkload) {
  auto r = run_cli("compare " + (root / "exp" / "adamw").string() + " " + (root / "exp" / "momentum").string() +
                   " --targets " + targets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "A = adamw   B = momentum")) << r.output;
  EXPECT_TRUE(contains(r.output, "alpha     100.0 (3/3)   210.0 (3/3)  2.100  both")) << r.output;
  EXPECT_TRUE(contains(r.output, "beta        inf (1/3)   50.00 (3/3)      -  only B")) << r.output;
  EXPECT_TRUE(contains(r.output, "A reached 0 workloads B did not; B reached 1 A did not; both reached 2.")) << r.output;
  EXPECT_TRUE(contains(r.output, "A 0.6667, B 0.5993")) << r.output;
}

TEST_F(CompareCli, RatioIntervalsSayWhetherTheDataSeparateThem) {
  auto r = run_cli("compare " + (root / "exp" / "adamw").string() + " " + (root / "exp" / "momentum").string() +
                   " --targets " + targets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "95% interval: percentile bootstrap over each one's studies (1000 resamples")) << r.output;
  EXPECT_TRUE(contains(r.output, "3.500  both     [3.500, 3.500]  A faster")) << r.output;  // gamma
  EXPECT_TRUE(contains(r.output, "only B                -")) << r.output;  // beta: no ratio
  EXPECT_TRUE(contains(r.output, "the data separate them on 2 of the 2 workloads both reached")) << r.output;
  // The same submission against itself: every interval holds 1.
  auto self = run_cli("compare " + (root / "exp" / "adamw").string() + " " + (root / "exp" / "adamw").string() +
                      " --targets " + targets);
  ASSERT_EQ(self.exit_code, 0) << self.output;
  EXPECT_TRUE(contains(self.output, "cannot tell")) << self.output;
  EXPECT_TRUE(contains(self.output, "the data separate them on 0 of the 2 workloads")) << self.output;
}

TEST_F(CompareCli, AnExperimentDirWithSeveralSubmissionsIsRefused) {
  auto r = run_cli("compare " + (root / "exp").string() + " " + (root / "exp" / "momentum").string() + " --targets " +
                   targets);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "holds 2 submissions (adamw, momentum); compare takes one submission folder each"))
      << r.output;
}
