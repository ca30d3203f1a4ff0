// Trial plans, seeds, suites and experiment-configuration checks.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "runner/experiment.h"
#include "runner/trial_logs.h"
#include "tuning/plan.h"
#include "tuning/suites.h"
#include "support/cli.h"

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

namespace {
// A planned fmnist_mlp trial of `submission` in `dir` whose command is `argv`.
PlannedTrial planned(const std::string& submission, const fs::path& dir, std::vector<std::string> argv) {
  PlannedTrial t;
  t.submission_name = submission;
  t.workload = "fmnist_mlp";
  t.dir = dir;
  t.argv = std::move(argv);
  return t;
}
}  // namespace

TEST(RunPlanned, ATrialThatCannotStartCountsAsFailedAndTheOthersStillRun) {
  const fs::path root = fs::temp_directory_path() / ("trainperf_spawn_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const PlannedTrial missing = planned("ghost", root / "ghost" / "trial_1", {"/nonexistent/trainperf-binary", "run"});
  const fs::path ok_dir = root / "fine" / "trial_1";
  // Finishes its trial: writes the result file, as `trainperf run` does last.
  const PlannedTrial ok = planned("fine", ok_dir, {"/bin/sh", "-c", "mkdir -p '" + ok_dir.string() +
                                                                        "' && echo '{\"status\": \"ok\"}' > '" +
                                                                        (ok_dir / "trial_result.json").string() + "'"});
  std::ostringstream out;
  EXPECT_EQ(run_planned({missing, ok}, 1, out), 1);
  EXPECT_NE(out.str().find("ghost / study_0 / fmnist_mlp / trial_1: failed (cannot start /nonexistent/trainperf-binary"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("fine / study_0 / fmnist_mlp / trial_1"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("[2/2]"), std::string::npos) << out.str();
  fs::remove_all(root);
}

TEST(RunPlanned, ATrialHeldByAnotherProcessIsNotFinished) {
  // A trial command that exits 0 without a result file: what `trainperf run` does when another
  // process holds the trial's lock (a coordinator's orphan still running it).
  const fs::path root = fs::temp_directory_path() / ("trainperf_held_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const PlannedTrial t = planned("held", root / "held" / "trial_1", {"/bin/true"});
  std::ostringstream out;
  int held = -1;
  EXPECT_EQ(run_planned({t}, 1, out, &held), 1);
  EXPECT_EQ(held, 1);
  EXPECT_NE(out.str().find("not finished: another process holds it"), std::string::npos) << out.str();
  fs::remove_all(root);
}

namespace {
// The pids whose parent is `parent` (from /proc/<pid>/stat).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}
bool alive(pid_t pid) { return ::kill(pid, 0) == 0 && fs::exists("/proc/" + std::to_string(pid)); }
}  // namespace

TEST(RunPlanned, TrialsDieWithTheirCoordinator) {
  // The coordinator alone is killed (its pid, as a scheduler's time limit or the OOM killer does):
  // its running trial must not go on as an orphan holding the trial's lock.
  const fs::path root = fs::temp_directory_path() / ("trainperf_orphan_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const PlannedTrial t =
      planned("nadamw", root / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1",
              {TRAINPERF_CLI, "run", "--workload", "fmnist_mlp", "--submission", "nadamw", "--ruleset", "self",
               "--threads", "1", "--max-runtime", "300", "--experiment-dir", root.string()});
  const pid_t coordinator = ::fork();
  ASSERT_GE(coordinator, 0);
  if (coordinator == 0) {
    std::ostringstream out;
    run_planned({t}, 2, out);  // jobs 2: the trial's output goes to its .log
    ::_exit(0);
  }
  pid_t trial = -1;
  for (int i = 0; i < 200 && trial < 0; ++i) {  // up to 10 s for the trial to start
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto kids = children_of(coordinator);
    if (!kids.empty()) trial = kids.front();
  }
  ASSERT_GT(trial, 0) << "the trial process did not start";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let it reach training
  ASSERT_TRUE(alive(trial));
  ::kill(coordinator, SIGKILL);
  int status = 0;
  ::waitpid(coordinator, &status, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {  // up to 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gone = !alive(trial);
  }
  EXPECT_TRUE(gone) << "trial " << trial << " outlived its coordinator";
  if (!gone) ::kill(trial, SIGKILL);
  EXPECT_FALSE(fs::exists(t.dir / "trial_result.json"));  // unfinished: the next bench reruns it
  fs::remove_all(root);
}

TEST(RunPlanned, ATrialWhoseCoordinatorIsGoneDoesNotStart) {
  // Started with a coordinator pid that is not its parent (the coordinator died before the trial got
  // going): it refuses, naming the reason, and writes nothing.
  const fs::path root = fs::temp_directory_path() / ("trainperf_nocoord_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const auto r = trainperf::testing::run_cli(
      "run --workload fmnist_mlp --submission nadamw --ruleset self --max-steps 2 --experiment-dir " +
      root.string() + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;  // without the variable: a normal run
  fs::remove_all(root);
  ::setenv(kCoordinatorPidVariable, "1", 1);
  const auto refused = trainperf::testing::run_cli(
      "run --workload fmnist_mlp --submission nadamw --ruleset self --max-steps 2 --experiment-dir " +
      root.string() + " --threads 1");
  ::unsetenv(kCoordinatorPidVariable);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("coordinator (pid 1) has exited"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(root / "nadamw"));
  fs::remove_all(root);
}

TEST(RunPlanned, ACorruptResultIsRerunNotCountedAsDone) {
  const fs::path root = fs::temp_directory_path() / ("trainperf_corrupt_" + std::to_string(::getpid()));
  fs::remove_all(root);
  // `trainperf run` on a folder whose trial_1 holds a truncated trial_result.json (a killed write on a
  // file system without atomic renames, a disk error): it names the file and runs the trial again.
  const std::string args = "run --workload fmnist_mlp --submission nadamw --ruleset self --max-steps 2 --threads 1 "
                           "--experiment-dir " + root.string();
  ASSERT_EQ(trainperf::testing::run_cli(args).exit_code, 0);
  const fs::path dir = root / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  ASSERT_TRUE(TrialLog::is_finished(dir));
  std::ofstream(dir / "trial_result.json") << "{\"status\": \"reach";
  const auto again = trainperf::testing::run_cli(args);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find((dir / "trial_result.json").string() + ": not valid JSON"), std::string::npos)
      << again.output;
  EXPECT_TRUE(TrialLog::is_finished(dir));
  // bench's loop does not count it as done either.
  std::ofstream(dir / "trial_result.json") << "{\"status\": \"reach";
  const PlannedTrial t = planned("nadamw", dir, {"/bin/true"});
  std::ostringstream out;
  run_planned({t}, 1, out);
  EXPECT_NE(out.str().find("[rerun]"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("[done]"), std::string::npos) << out.str();
  fs::remove_all(root);
}
