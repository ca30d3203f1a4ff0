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

TEST_F(CompareCli, AnExperimentDirWithSeveralSubmissionsIsRefused) {
  auto r = run_cli("compare " + (root / "exp").string() + " " + (root / "exp" / "momentum").string() + " --targets " +
                   targets);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "holds 2 submissions (adamw, momentum); compare takes one submission folder each"))
      << r.output;
}
