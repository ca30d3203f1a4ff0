// The configuration guard of an experiment folder (experiment.json) through `trainperf run`: written
// only when a trial starts, rebuilt from the trials' own files when it is gone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/cli.h"

using trainperf::testing::run_cli;
namespace fs = std::filesystem;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
fs::path fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("trainperf_expcfg_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
}  // namespace

TEST(ExperimentGuard, ARunThatFailedOnItsDataDoesNotBlockItsCorrectedRerun) {
  // Before: experiment.json was written before the data was read, so this folder, holding no trial,
  // refused the corrected command (another seed) as "a different configuration".
  const fs::path exp = fresh("nodata");
  const std::string run = "run -w fmnist_mlp -s nadamw --ruleset self --max-steps 2 --threads 1 --experiment-dir " +
                          exp.string();
  const auto failed = run_cli(run + " --data-dir /nonexistent/data");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_FALSE(fs::exists(exp / "nadamw" / "experiment.json"));
  const auto bad_device = run_cli(run + " --device cuda:7");
  EXPECT_EQ(bad_device.exit_code, 1) << bad_device.output;
  EXPECT_FALSE(fs::exists(exp / "nadamw" / "experiment.json"));
  const auto corrected = run_cli(run + " --seed 5");
  EXPECT_EQ(corrected.exit_code, 0) << corrected.output;
  ASSERT_TRUE(fs::exists(exp / "nadamw" / "experiment.json")) << "recorded once the trial started";
  const auto recorded = nlohmann::json::parse(std::ifstream(exp / "nadamw" / "experiment.json"));
  EXPECT_EQ(recorded["seed"], 5);
  fs::remove_all(exp);
}

TEST(ExperimentGuard, ADeletedExperimentJsonIsRebuiltFromTheTrials) {
  // Before: with experiment.json deleted, any configuration ran into a tree of finished trials.
  const fs::path exp = fresh("deleted");
  fs::create_directories(exp);
  const std::string point = R"("one_minus_beta1": 0.1, "beta2": 0.999, "weight_decay": 0.1, "warmup_factor": 0.05})";
  std::ofstream(exp / "a.json") << "[{\"learning_rate\": 1e-3, " << point << "]";
  std::ofstream(exp / "b.json") << "[{\"learning_rate\": 3e-3, " << point << "]";
  const std::string base = "run -w fmnist_mlp -s nadamw --trials 1 --threads 1 --experiment-dir " +
                           (exp / "logs").string();
  const std::string run = base + " --max-steps 2";
  ASSERT_EQ(run_cli(run + " --search-space " + (exp / "a.json").string()).exit_code, 0);
  const fs::path trial = exp / "logs" / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  const auto stamp = fs::last_write_time(trial / "trial_result.json");
  fs::remove(exp / "logs" / "nadamw" / "experiment.json");

  const auto other_space = run_cli(run + " --search-space " + (exp / "b.json").string());
  EXPECT_EQ(other_space.exit_code, 1) << other_space.output;
  EXPECT_TRUE(contains(other_space.output, "experiment.json is missing; rebuilt from each trial's flags_0.json"))
      << other_space.output;
  EXPECT_TRUE(contains(other_space.output, "hyperparameters: ")) << other_space.output;
  EXPECT_TRUE(contains(other_space.output, "learning_rate 0.001 -> 0.003")) << other_space.output;

  const auto other_seed = run_cli(run + " --seed 6 --search-space " + (exp / "a.json").string());
  EXPECT_EQ(other_seed.exit_code, 1) << other_seed.output;
  EXPECT_TRUE(contains(other_seed.output, "seed: 0 -> 6")) << other_seed.output;

  const auto other_steps = run_cli(base + " --max-steps 4 --search-space " + (exp / "a.json").string());
  EXPECT_EQ(other_steps.exit_code, 1) << other_steps.output;
  EXPECT_TRUE(contains(other_steps.output, "max_steps: 2 -> 4")) << other_steps.output;
  EXPECT_FALSE(fs::exists(exp / "logs" / "nadamw" / "experiment.json")) << "a refused run wrote it";

  const auto same = run_cli(run + " --search-space " + (exp / "a.json").string());
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_TRUE(contains(same.output, "already finished")) << same.output;
  EXPECT_EQ(fs::last_write_time(trial / "trial_result.json"), stamp);
  fs::remove_all(exp);
}

TEST(ExperimentGuard, OverwriteRunsAFinishedTrialAgainUnderTheSameConfiguration) {
  const fs::path exp = fresh("overwrite");
  const std::string run = "run -w fmnist_mlp -s nadamw --ruleset self --max-steps 2 --threads 1 --experiment-dir " +
                          exp.string();
  ASSERT_EQ(run_cli(run).exit_code, 0);
  const fs::path trial = exp / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  std::ofstream(trial / "stale.txt") << "from the first run";
  const auto again = run_cli(run + " --overwrite");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "finished earlier; --overwrite runs it again")) << again.output;
  EXPECT_FALSE(fs::exists(trial / "stale.txt"));
  EXPECT_TRUE(fs::exists(trial / "trial_result.json"));
  // Overwriting does not change the configuration of the folder's other trials.
  const auto other = run_cli(run + " --overwrite --seed 3");
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_TRUE(contains(other.output, "seed: 0 -> 3")) << other.output;
  EXPECT_TRUE(fs::exists(trial / "trial_result.json"));
  fs::remove_all(exp);
}
