// Trial plans, seeds, suites and experiment-configuration checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "runner/experiment.h"
#include "tuning/plan.h"
#include "tuning/suites.h"

using namespace trainperf;
namespace fs = std::filesystem;

TEST(Seeds, DifferAcrossTrialsStudiesWorkloadsAndRepeat) {
  std::set<uint64_t> seen;
  for (int study = 0; study < 3; ++study)
    for (int trial = 1; trial <= 5; ++trial)
      for (const char* w : {"fmnist_mlp", "fmnist_mlp_tanh"}) {
        const uint64_t s = trial_seed(7, study, w, trial);
        EXPECT_EQ(s, trial_seed(7, study, w, trial));
        seen.insert(s);
      }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_NE(trial_seed(7, 0, "fmnist_mlp", 1), trial_seed(8, 0, "fmnist_mlp", 1));
  EXPECT_NE(search_seed(7, 0, "fmnist_mlp"), search_seed(7, 1, "fmnist_mlp"));
}

TEST(Suites, KnownSuitesAndUnknownName) {
  EXPECT_FALSE(find_suite("quick").workloads.empty());
  EXPECT_FALSE(find_suite("mini").workloads.empty());
  try {
    find_suite("huge");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown suite 'huge'; known suites: quick, mini"), std::string::npos);
  }
}

TEST(Plan, OneCommandPerTrialWithEverythingItNeeds) {
  BenchRequest r;
  r.workloads = {"fmnist_mlp"};
  r.submissions = {"nadamw"};
  r.ruleset = Ruleset::External;
  r.studies = 2;
  r.trials = 3;
  r.seed = 11;
  r.max_steps = 20;
  r.threads = 1;
  r.experiment_dir = "/tmp/plan_exp";
  auto trials = plan_trials(r, "/opt/trainperf");
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(trials[4].study, 1);
  EXPECT_EQ(trials[4].trial, 2);
  EXPECT_EQ(trials[4].dir, fs::path("/tmp/plan_exp/nadamw/study_1/fmnist_mlp_cpp/trial_2"));
  EXPECT_EQ(shell_command(trials[4].argv),
            "/opt/trainperf run --workload fmnist_mlp --submission nadamw --ruleset external --rules v0.6 "
            "--study 1 --trials 3 --only-trial 2 --seed 11 --experiment-dir /tmp/plan_exp --threads 1 "
            "--device cpu --max-steps 20");
  // More trials than the published list has points: refused.
  r.trials = 6;
  EXPECT_THROW(plan_trials(r, "x"), std::invalid_argument);
  // Self-tuning: one trial per study.
  r.ruleset = Ruleset::Self;
  EXPECT_EQ(plan_trials(r, "x").size(), 2u);
  r.submissions = {"nope"};
  EXPECT_THROW(plan_trials(r, "x"), std::invalid_argument);
}

TEST(Plan, ShellQuotingRoundTrips) {
  EXPECT_EQ(shell_command({"a", "b c", "it's"}), "a 'b c' 'it'\\''s'");
}

TEST(ExperimentConfig, DifferentConfigurationIsRefused) {
  const fs::path dir = fs::temp_directory_path() / ("trainperf_cfg_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  StudyRequest r;
  r.ruleset = Ruleset::Self;
  r.seed = 1;
  check_or_record_experiment_config(dir, experiment_config(r, std::nullopt));
  check_or_record_experiment_config(dir, experiment_config(r, std::nullopt));  // same: fine
  r.max_steps = 50;
  try {
    check_or_record_experiment_config(dir, experiment_config(r, std::nullopt));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds trials of a different configuration"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("max_steps: null -> 50"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(RunPlanned, ATrialThatCannotStartCountsAsFailedAndTheOthersStillRun) {
  const fs::path root = fs::temp_directory_path() / ("trainperf_spawn_" + std::to_string(::getpid()));
  fs::remove_all(root);
  PlannedTrial missing;
  missing.submission_name = "ghost";
  missing.workload = "fmnist_mlp";
  missing.dir = root / "ghost" / "trial_1";
  missing.argv = {"/nonexistent/trainperf-binary", "run"};
  PlannedTrial ok = missing;
  ok.submission_name = "fine";
  ok.dir = root / "fine" / "trial_1";
  ok.argv = {"/bin/true"};
  std::ostringstream out;
  EXPECT_EQ(run_planned({missing, ok}, 1, out), 1);
  EXPECT_NE(out.str().find("ghost / study_0 / fmnist_mlp / trial_1: failed (cannot start /nonexistent/trainperf-binary"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("fine / study_0 / fmnist_mlp / trial_1"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("[2/2]"), std::string::npos) << out.str();
  fs::remove_all(root);
}
