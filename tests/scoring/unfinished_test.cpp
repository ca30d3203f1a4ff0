// What scoring does not take on trust: a target-metric value that is not a number, and trainperf
// trials that never finished (no trial_result.json: still running, or killed).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scoring/log_tree.h"
#include "scoring/time_to_target.h"
#include "support/cli.h"

using namespace trainperf;
using namespace trainperf::scoring;
namespace fs = std::filesystem;

namespace {

WorkloadTarget accuracy_above(double target) {
  WorkloadTarget w;
  w.name = "fmnist_mlp";
  w.metric = "validation/accuracy";
  w.goal = Goal::Maximize;
  w.target = target;
  return w;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A trainperf trial folder (its meta_data names trainperf) with two evals; finished when `finished`.
void write_trial(const fs::path& dir, bool finished, const std::string& second_accuracy = "0.9") {
  fs::create_directories(dir);
  std::ofstream(dir / "eval_measurements.csv") << "global_step,score,validation/accuracy\n"
                                               << "10,1.5,0.5\n"
                                               << "20,3.0," << second_accuracy << "\n";
  std::ofstream(dir / "meta_data_0.json") << R"({"trainperf_version": "test", "workload": "fmnist_mlp"})";
  if (finished) std::ofstream(dir / "trial_result.json") << R"({"status": "reached_targets"})";
}

}  // namespace

TEST(ScoringUntrusted, ANonNumericTargetValueIsNamedWithFileAndLine) {
  // Before: '0.9x' silently counted as "not reached", even under --strict.
  Diagnostics diag;
  TrialLogs t;
  t.index = 1;
  t.eval_file = "trial_1/eval_measurements.csv";
  t.evals = parse_csv("global_step,score,validation/accuracy\n10,1.5,0.5\n15,2.0,nan\n17,2.5,\n20,3.0,0.9x\n"
                      "30,4.5,0.95\n",
                      t.eval_file.string(), diag);
  const TrialTime tt = trial_time_to_target(t, accuracy_above(0.8), TimeAxis::Time, diag);
  EXPECT_DOUBLE_EQ(tt.value, 4.5);  // the next readable eval that meets it
  ASSERT_EQ(diag.warnings().size(), 1u) << "'nan' (diverged) and '' (not logged) are no warning";
  EXPECT_EQ(diag.warnings()[0], "trial_1/eval_measurements.csv: line 5: 'validation/accuracy' value '0.9x' is not "
                                "a number; this eval counts as not reaching the target");
  Diagnostics strict(nullptr, true);
  EXPECT_THROW(trial_time_to_target(t, accuracy_above(0.8), TimeAxis::Time, strict), ScoringError);
}

TEST(ScoringUntrusted, UnfinishedTrialsAreReportedPerStudyAndCanBeExcluded) {
  const fs::path root = fs::temp_directory_path() / ("trainperf_unfinished_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path sub = root / "exp" / "nadamw";
  write_trial(sub / "study_0" / "fmnist_mlp_cpp" / "trial_1", true);
  write_trial(sub / "study_0" / "fmnist_mlp_cpp" / "trial_2", false);  // killed
  write_trial(sub / "study_1" / "fmnist_mlp_cpp" / "trial_1", true);
  write_trial(sub / "study_1" / "fmnist_mlp_cpp" / "trial_2", false);  // still running: its lock is held
  const std::string lock = (sub / "study_1" / "fmnist_mlp_cpp" / "trial_2").string() + ".lock";
  const int fd = ::open(lock.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);

  {
    Diagnostics diag;
    const auto logs = read_log_trees({root / "exp"}, diag);
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0].num_trials(), 4u);  // scored as they are, but said
    ASSERT_EQ(diag.warnings().size(), 2u);
    EXPECT_EQ(diag.warnings()[0], (sub / "study_0").string() + ": 1 of 2 trials unfinished: fmnist_mlp_cpp/trial_2 "
                                  "(no trial_result.json); scored with the evals they logged so far "
                                  "(--exclude-unfinished leaves them out)");
    EXPECT_TRUE(contains(diag.warnings()[1], "fmnist_mlp_cpp/trial_2 (no trial_result.json: still running (its "
                                             "lock is held))"))
        << diag.warnings()[1];
  }
  {
    Diagnostics strict(nullptr, true);
    EXPECT_THROW(read_log_trees({root / "exp"}, strict), ScoringError);
  }
  {
    Diagnostics strict(nullptr, true);  // excluding them is a choice, not a problem
    const auto logs = read_log_trees({root / "exp"}, strict, LogReadOptions{true});
    EXPECT_EQ(logs[0].num_trials(), 2u);
    ASSERT_EQ(logs[0].excluded.size(), 2u);
    EXPECT_EQ(logs[0].excluded[0], sub / "study_0" / "fmnist_mlp_cpp" / "trial_2");
  }
  ::close(fd);

  // `trainperf score` says which it left out; the scores come only from finished trials.
  const auto r = trainperf::testing::run_cli("score " + (root / "exp").string() + " --exclude-unfinished --out " +
                                  (root / "scores").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "excluded (unfinished): " + (sub / "study_0" / "fmnist_mlp_cpp" / "trial_2").string()))
      << r.output;
  EXPECT_FALSE(contains(r.output, "unfinished: fmnist_mlp_cpp")) << r.output;  // no warning for them
  fs::remove_all(root);
}

TEST(ScoringUntrusted, OtherRunnersLogsWithoutResultFilesAreNotUnfinished) {
  // AlgoPerf's own trees have no trial_result.json; they must score without a warning.
  const fs::path root = fs::temp_directory_path() / ("trainperf_algoperf_tree_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path dir = root / "sub" / "study_0" / "fmnist_mlp_jax" / "trial_1";
  fs::create_directories(dir);
  std::ofstream(dir / "eval_measurements.csv") << "global_step,score,validation/accuracy\n10,1.5,0.5\n";
  std::ofstream(dir / "meta_data_0.json") << R"({"workload": "fmnist_mlp"})";
  Diagnostics strict(nullptr, true);
  const auto logs = read_log_trees({root}, strict);
  EXPECT_EQ(logs[0].num_trials(), 1u);
  EXPECT_TRUE(logs[0].studies[0].workloads[0].trials[0].unfinished.empty());
  fs::remove_all(root);
}
