// Reading real-looking (and messy) AlgoPerf log trees.
#include <gtest/gtest.h>

#include "scoring/log_fixtures.h"
#include "scoring/log_tree.h"

using namespace trainperf::scoring;
using namespace trainperf::testing;

namespace {
std::vector<EvalRow> rows3() { return curve(0.1, 0.5, 1, 3, 10); }

size_t count_containing(const std::vector<std::string>& warnings, const std::string& needle) {
  size_t n = 0;
  for (const auto& w : warnings) n += contains(w, needle) ? 1 : 0;
  return n;
}
}  // namespace

TEST(ScoringLogs, FrameworkSuffixesAreStripped) {
  EXPECT_EQ(workload_name_of_folder("criteo1tb_jax"), "criteo1tb");
  EXPECT_EQ(workload_name_of_folder("imagenet_resnet_large_bn_init_pytorch"), "imagenet_resnet_large_bn_init");
  EXPECT_EQ(workload_name_of_folder("fmnist_mlp_cpp"), "fmnist_mlp");
  EXPECT_EQ(workload_name_of_folder("ogbg"), "ogbg");
  EXPECT_EQ(workload_name_of_folder("wmt_jax_old"), "wmt_jax_old");
}

TEST(ScoringLogs, ReadsTheLayoutInNumericOrder) {
  const auto root = fresh_scoring_dir("layout");
  for (int study : {0, 2, 10})
    for (int trial : {1, 2, 10}) write_trial(root, "adamw", study, "ogbg_jax", trial, "validation/accuracy", rows3());
  write_trial(root, "sgd", 0, "wmt_pytorch", 1, "validation/bleu", rows3());
  Diagnostics diag;
  auto subs = read_log_trees({root}, diag);
  EXPECT_TRUE(diag.warnings().empty());
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].name, "adamw");
  ASSERT_EQ(subs[0].studies.size(), 3u);
  EXPECT_EQ(subs[0].studies[2].index, 10);
  const auto* w = subs[0].studies[0].find("ogbg");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->folder, "ogbg_jax");
  ASSERT_EQ(w->trials.size(), 3u);
  EXPECT_EQ(w->trials[2].index, 10);
  EXPECT_EQ(w->trials[0].evals.rows.size(), 3u);
  EXPECT_EQ(w->trials[0].hparams["learning_rate"], 1e-3);
  EXPECT_EQ(w->trials[0].meta["framework"], "jax");
  EXPECT_NE(subs[1].studies[0].find("wmt"), nullptr);
  EXPECT_EQ(subs[0].num_trials(), 9u);

  // A submission folder given directly is one submission.
  auto one = read_log_trees({root / "sgd"}, diag);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "sgd");
  fs::remove_all(root);
}

TEST(ScoringLogs, MessyTreeWarnsOncePerProblemNamingThePathAndGoesOn) {
  const auto root = fresh_scoring_dir("messy");
  write_trial(root, "adamw", 0, "ogbg_jax", 1, "validation/accuracy", rows3());
  write_trial(root, "adamw", 0, "ogbg_jax", 2, "validation/accuracy", rows3());
  // A trial folder without an eval file.
  fs::create_directories(trial_path(root, "adamw", 0, "ogbg_jax", 3));
  // A partially written last row.
  const auto partial = write_trial(root, "adamw", 1, "ogbg_jax", 1, "validation/accuracy", rows3());
  std::ofstream(partial / "eval_measurements.csv", std::ios::app) << "400,40,50,40,8,2,0,0.5,0.6";
  // Stray folders: at the experiment level, inside a study, inside a workload folder.
  fs::create_directories(root / "notes" / "drafts");
  fs::create_directories(root / "adamw" / "study_0" / "wmt_jax" / "logs");
  fs::create_directories(root / "adamw" / "study_0" / "ogbg_jax" / "checkpoints");
  fs::create_directories(root / "adamw" / "plots");
  write_text_file(root / "README.md", "not a folder: ignored silently");
  write_text_file(root / "adamw" / "study_0" / "ogbg_jax.log", "a log file: ignored silently");
  // Hidden folders are nobody's business.
  fs::create_directories(root / ".cache" / "x");

  std::ostringstream printed;
  Diagnostics diag(&printed);
  auto subs = read_log_trees({root}, diag);
  ASSERT_EQ(subs.size(), 1u);
  const auto* w0 = subs[0].studies[0].find("ogbg");
  ASSERT_NE(w0, nullptr);
  EXPECT_EQ(w0->trials.size(), 2u);  // trial_3 skipped
  EXPECT_EQ(subs[0].studies[1].find("ogbg")->trials[0].evals.rows.size(), 3u);  // partial row dropped

  const auto& ws = diag.warnings();
  EXPECT_EQ(ws.size(), 6u) << printed.str();
  EXPECT_EQ(count_containing(ws, (trial_path(root, "adamw", 0, "ogbg_jax", 3)).string() +
                                     ": trial folder without eval_measurements.csv"),
            1u);
  EXPECT_EQ(count_containing(ws, (partial / "eval_measurements.csv").string() + ": line 5: partially written last row"),
            1u);
  EXPECT_EQ(count_containing(ws, (root / "notes").string() + ": no study_<k> or trial folders"), 1u);
  EXPECT_EQ(count_containing(ws, (root / "adamw" / "study_0" / "wmt_jax").string() +
                                     ": folder without trial_<i> subfolders"),
            1u);
  EXPECT_EQ(count_containing(ws, (root / "adamw" / "study_0" / "ogbg_jax" / "checkpoints").string() +
                                     ": not a trial_<i> folder"),
            1u);
  EXPECT_EQ(count_containing(ws, (root / "adamw" / "plots").string() + ": not a study_<k> folder"), 1u);
  EXPECT_TRUE(contains(printed.str(), "trainperf: warning: "));

  // --strict refuses at the first problem, naming it.
  Diagnostics strict(nullptr, true);
  try {
    read_log_trees({root}, strict);
    FAIL() << "strict mode accepted a messy tree";
  } catch (const ScoringError& e) {
    EXPECT_TRUE(contains(e.what(), root.string())) << e.what();
    EXPECT_TRUE(contains(e.what(), "--strict")) << e.what();
  }
  fs::remove_all(root);
}

TEST(ScoringLogs, OlderMeasurementsCsvKeepsOnlyEvalRows) {
  const auto root = fresh_scoring_dir("older");
  write_text_file(trial_path(root, "adamw", 0, "wmt_jax", 1) / "measurements.csv",
                  "global_step,score,train/loss,validation/bleu\n"
                  "1,0.5,9.0,\n"
                  "1,0.5,,1.5\n"
                  "50,20,4.0,\n"
                  "100,40,,12.25\n");
  Diagnostics diag;
  auto subs = read_log_trees({root}, diag);
  const auto& trial = subs[0].studies[0].find("wmt")->trials[0];
  EXPECT_EQ(trial.eval_file.filename(), "measurements.csv");
  ASSERT_EQ(trial.evals.rows.size(), 2u);
  EXPECT_EQ(trial.evals.rows[1][3], "12.25");
  fs::remove_all(root);
}

TEST(ScoringLogs, OlderLayoutWithoutStudyFoldersIsOneStudy) {
  const auto root = fresh_scoring_dir("nostudy");
  write_text_file(root / "adamw" / "mnist_jax" / "trial_1" / "eval_measurements.csv",
                  eval_csv("validation/accuracy", rows3()));
  Diagnostics diag;
  auto subs = read_log_trees({root}, diag);
  ASSERT_EQ(subs.size(), 1u);
  ASSERT_EQ(subs[0].studies.size(), 1u);
  EXPECT_NE(subs[0].studies[0].find("mnist"), nullptr);
  fs::remove_all(root);
}

TEST(ScoringLogs, SameWorkloadInTwoFrameworksKeepsTheFirst) {
  const auto root = fresh_scoring_dir("twofw");
  write_trial(root, "adamw", 0, "ogbg_jax", 1, "validation/accuracy", rows3());
  write_trial(root, "adamw", 0, "ogbg_pytorch", 1, "validation/accuracy", rows3());
  Diagnostics diag;
  auto subs = read_log_trees({root}, diag);
  EXPECT_EQ(subs[0].studies[0].workloads.size(), 1u);
  EXPECT_EQ(subs[0].studies[0].workloads[0].folder, "ogbg_jax");
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_TRUE(contains(diag.warnings()[0], "ogbg_pytorch: workload 'ogbg' is also logged in 'ogbg_jax'"));
  fs::remove_all(root);
}

TEST(ScoringLogs, ADirectoryWithoutTrialsSaysSo) {
  const auto root = fresh_scoring_dir("empty");
  fs::create_directories(root / "adamw" / "study_0" / "ogbg_jax" / "trial_1");  // no eval file
  Diagnostics diag;
  try {
    read_log_trees({root}, diag);
    FAIL() << "no error for a tree without trials";
  } catch (const ScoringError& e) {
    EXPECT_TRUE(contains(e.what(), root.string() + "': no trials found")) << e.what();
  }
  EXPECT_THROW(read_log_trees({root / "nonexistent"}, diag), ScoringError);
  fs::remove_all(root);
}
