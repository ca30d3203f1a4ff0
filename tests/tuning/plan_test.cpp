// Trial plans, seeds, suites and experiment-configuration checks.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/fashion_mnist.h"
#include "runner/experiment.h"
#include "runner/run_flags.h"
#include "runner/trial_logs.h"
#include "submissions/registry.h"
#include "tuning/plan.h"
#include "tuning/suites.h"
#include "workloads/common/targets.h"
#include "workloads/registry.h"
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

TEST(Suites, RankingExclusionFollowsTheDocumentedRule) {
  // Five reruns; `steps` are those that met the target (the others did not).
  auto summary = [](std::vector<int> steps) {
    nlohmann::json reruns = nlohmann::json::array();
    for (int i = 0; i < 5; ++i)
      reruns.push_back({{"target_reached_at", i < static_cast<int>(steps.size())
                                                  ? nlohmann::json{{"step", steps[i]}, {"time", 1.0}}
                                                  : nlohmann::json(nullptr)}});
    nlohmann::json spread = steps.size() < 2 ? nlohmann::json(nullptr)
                                             : nlohmann::json{{"reached", steps.size()}, {"of", 5}, {"cv", 0.9}};
    return nlohmann::json{{"time_to_target_spread", spread}, {"reruns", reruns}};
  };
  EXPECT_EQ(ranking_exclusion(nlohmann::json{{"validation_target", 0.9}}, "t.json"), "");  // not re-set yet
  // 819, 896, 1000 steps: mean 905, sample sd 90.8, CV 0.10 (the time CV recorded, 0.9, is not the rule's).
  EXPECT_EQ(ranking_exclusion(summary({819, 896, 1000}), "t.json"), "");
  // 598, 776, 1500 steps: mean 958, sample sd 477.9, CV 0.50.
  EXPECT_EQ(ranking_exclusion(summary({598, 776, 1500}), "t.json"),
            "t.json: the coefficient of variation of the reruns' steps to target is 0.50 (above 0.30)");
  // 700, 1000, 1300: mean 1000, sd 300, CV exactly 0.30: kept.
  EXPECT_EQ(ranking_exclusion(summary({700, 1000, 1300}), "t.json"), "");
  EXPECT_EQ(ranking_exclusion(summary({900, 1000}), "t.json"),
            "t.json: 2 of 5 target-setting reruns reached the target (fewer than half)");
  EXPECT_EQ(ranking_exclusion(summary({900}), "t.json"),
            "t.json: fewer than two of the 5 target-setting reruns reached the target");
}

// mini is every registered workload but those the rule leaves out, judged here from each summary itself.
TEST(Suites, MiniLeavesOutExactlyTheWorkloadsUselessForRanking) {
  const Suite& mini = find_suite("mini");
  std::set<std::string> in(mini.workloads.begin(), mini.workloads.end()), out;
  for (const auto& [w, why] : mini.excluded) {
    out.insert(w);
    EXPECT_NE(why.find("targets/" + w + ".json"), std::string::npos) << why;
  }
  for (const auto& w : workloads().entries()) {
    const nlohmann::json& t = target_setting_summary(w.name);
    bool usable = true;
    if (t.contains("time_to_target_spread")) {
      std::vector<double> steps;  // when the reruns first met the target
      for (const auto& r : t.at("reruns"))
        if (!r.at("target_reached_at").is_null()) steps.push_back(r.at("target_reached_at").at("step").get<double>());
      double m = 0, v = 0;
      for (double x : steps) m += x / steps.size();
      for (double x : steps) v += (x - m) * (x - m) / (steps.size() - 1);
      usable = steps.size() >= 2 && 2 * steps.size() >= t.at("reruns").size() && std::sqrt(v) / m <= 0.30;
    }
    EXPECT_EQ(in.count(w.name), usable ? 1u : 0u) << w.name;
    EXPECT_EQ(out.count(w.name), usable ? 0u : 1u) << w.name;
  }
  EXPECT_EQ(in.size() + out.size(), workloads().entries().size());
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
  const SubmissionEntry& sub = resolve_submission("nadamw");
  StudyRequest r;
  r.ruleset = Ruleset::Self;
  r.seed = 1;
  check_experiment_config(dir, r, sub, std::nullopt);  // nothing there: fine, and nothing written
  EXPECT_FALSE(fs::exists(dir));
  record_experiment_config(dir, experiment_config(r, std::nullopt));
  record_experiment_config(dir, experiment_config(r, std::nullopt));  // same: fine
  check_experiment_config(dir, r, sub, std::nullopt);
  r.max_steps = 50;
  for (int writing = 0; writing < 2; ++writing) {
    try {
      if (writing)
        record_experiment_config(dir, experiment_config(r, std::nullopt));
      else
        check_experiment_config(dir, r, sub, std::nullopt);
      FAIL();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("holds trials of a different configuration"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("max_steps: null -> 50"), std::string::npos) << e.what();
    }
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

TEST(Plan, APlannedLineRunsTheRequestItWasPlannedFrom) {
  // The run flags are spelled once (runner/run_flags.h): a planned line, run as is from another
  // directory, records in flags_0.json the request it was planned from. Its paths are absolute and
  // its threads explicit, so it runs unchanged on another machine of a cluster.
  const fs::path root = fs::temp_directory_path() / ("trainperf_planned_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  std::ofstream(root / "space.json")
      << R"([{"learning_rate": 1e-3, "one_minus_beta1": 0.1, "beta2": 0.999, "weight_decay": 0.1, "warmup_factor": 0.05},
             {"learning_rate": 2e-3, "one_minus_beta1": 0.1, "beta2": 0.999, "weight_decay": 0.1, "warmup_factor": 0.05}])";
  const fs::path cwd = fs::current_path();
  fs::current_path(root);  // relative paths below are relative to the planning directory
  BenchRequest r;
  r.workloads = {"fmnist_mlp"};
  r.submissions = {"nadamw"};
  r.ruleset = Ruleset::External;
  r.rules = RulesVersion::V05;
  r.studies = 2;
  r.trials = 2;
  r.seed = 9;
  r.max_steps = 3;
  r.threads = 1;
  r.experiment_dir = "exp";
  r.search_space_path = "space.json";
  r.data_dir = fs::relative(kFashionMnistDefaultDir, root).string();
  const auto trials = plan_trials(r, TRAINPERF_CLI);
  fs::current_path("/");
  ASSERT_EQ(trials.size(), 4u);
  const PlannedTrial& t = trials[3];
  ASSERT_EQ(t.dir, root / "exp" / "nadamw" / "study_1" / "fmnist_mlp_cpp" / "trial_2");
  const int rc = std::system((shell_command(t.argv) + " > " + (root / "trial.log").string() + " 2>&1").c_str());
  fs::current_path(cwd);
  std::ifstream log(root / "trial.log");
  const std::string output((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << shell_command(t.argv) << "\n" << output;

  const StudyRequest got = request_from_flags(nlohmann::json::parse(std::ifstream(t.dir / "flags_0.json")));
  EXPECT_EQ(got.workload, "fmnist_mlp");
  EXPECT_EQ(got.submission, "nadamw");
  EXPECT_EQ(got.ruleset, Ruleset::External);
  EXPECT_EQ(got.rules, RulesVersion::V05);
  EXPECT_EQ(got.study, 1);
  EXPECT_EQ(got.trials, 2);
  EXPECT_EQ(got.only_trial, 2);
  EXPECT_EQ(got.seed, 9u);
  EXPECT_EQ(got.max_steps, 3);
  EXPECT_EQ(got.threads, 1);
  EXPECT_EQ(got.device, "cpu");
  EXPECT_EQ(got.experiment_dir, root / "exp");
  EXPECT_EQ(fs::weakly_canonical(got.data_dir), fs::weakly_canonical(kFashionMnistDefaultDir));
  EXPECT_TRUE(fs::path(got.data_dir).is_absolute()) << got.data_dir;
  EXPECT_EQ(got.search_space_path, (root / "space.json").string());
  // Read back, the request plans the same line.
  const std::vector<std::string> args(t.argv.begin() + 2, t.argv.end());
  EXPECT_EQ(run_arguments(got), args);
  // And the trial is the one planned: point 2 of the space, the seed of study 1's trial 2.
  const auto hparams = nlohmann::json::parse(std::ifstream(t.dir / "hparams.json"));
  EXPECT_DOUBLE_EQ(hparams["learning_rate"].get<double>(), 2e-3);
  const auto meta = nlohmann::json::parse(std::ifstream(t.dir / "meta_data_0.json"));
  EXPECT_EQ(meta["rng_seed"].get<uint64_t>(), trial_seed(9, 1, "fmnist_mlp", 2));
  EXPECT_EQ(meta["intra_op_threads"], 1);
  EXPECT_EQ(meta["rules_version"], "v0.5");
  fs::remove_all(root);
}

TEST(Plan, ASearchSpaceIsOneSubmissionsAndSelfTuningTakesNone) {
  BenchRequest r;
  r.workloads = {"fmnist_mlp"};
  r.submissions = {"nadamw", "adamw"};
  r.ruleset = Ruleset::External;
  r.threads = 1;
  r.experiment_dir = "/tmp/plan_space_exp";
  r.search_space_path = "/nonexistent/space.json";
  try {
    plan_trials(r, "x");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--search-space is one submission's space; 2 submissions given"),
              std::string::npos)
        << e.what();
  }
  r.submissions = {"nadamw"};
  r.ruleset = Ruleset::Self;
  try {
    plan_trials(r, "x");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("self-tuning takes no search space"), std::string::npos) << e.what();
  }
}

namespace {
std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST(BenchAndPlan, RefuseAnotherConfigurationBeforeStartingAnything) {
  // Before: bench ran (or scored the old trials as) the new configuration and exited 0; the refusal
  // appeared only in per-trial .log files.
  const fs::path exp = fs::temp_directory_path() / ("trainperf_benchcfg_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  using trainperf::testing::run_cli;
  ASSERT_EQ(run_cli("run -w fmnist_mlp -s nadamw --ruleset self --max-steps 2 --threads 1 --experiment-dir " +
                    exp.string()).exit_code, 0);
  const fs::path trial = exp / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  const std::string result = read_text(trial / "trial_result.json");
  const std::string other = " --workloads fmnist_mlp,fmnist_mlp_tanh --submissions nadamw --ruleset self --seed 7 "
                            "--max-steps 3 --threads 1 --experiment-dir " + exp.string();
  for (const std::string command : {"bench", "plan"}) {
    const auto r = run_cli(command + other);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(exp.string() + "/nadamw holds trials of a different configuration"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("max_steps: 2 -> 3"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("seed: 0 -> 7"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("[start]"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(" run --workload"), std::string::npos) << r.output;  // plan printed no line
  }
  EXPECT_FALSE(fs::exists(exp / "nadamw" / "study_0" / "fmnist_mlp_tanh_cpp")) << "a refused bench started a trial";
  EXPECT_FALSE(fs::exists(exp / "scores")) << "a refused bench scored";
  EXPECT_EQ(read_text(trial / "trial_result.json"), result);

  // Without experiment.json, the trials' own files say what they ran with.
  fs::remove(exp / "nadamw" / "experiment.json");
  const auto rebuilt = run_cli("bench" + other);
  EXPECT_EQ(rebuilt.exit_code, 1) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("experiment.json is missing; rebuilt from each trial's flags_0.json, "
                                "meta_data_0.json and hparams.json, 1 of 1 trials differ; the first is " +
                                trial.string() + ":"),
            std::string::npos)
      << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("seed: 0 -> 7"), std::string::npos) << rebuilt.output;
  // The same configuration goes on, keeping the finished trial.
  const auto same = run_cli("bench --workloads fmnist_mlp --submissions nadamw --ruleset self --max-steps 2 "
                            "--threads 1 --experiment-dir " + exp.string());
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("finished earlier; kept"), std::string::npos) << same.output;
  EXPECT_EQ(read_text(trial / "trial_result.json"), result);
  fs::remove_all(exp);
}

TEST(Progress, TimeLeftFromEachWorkloadsFinishedTrials) {
  using trainperf::estimate_seconds_left;
  // Nothing finished: no estimate.
  EXPECT_FALSE(estimate_seconds_left({}, {"a", "b"}, {}, 1).has_value());
  const std::map<std::string, std::vector<double>> wall{{"a", {10, 20}}, {"b", {100}}};
  // a costs 15 s, b 100 s, c (none finished yet) the mean of all, 130/3 s.
  EXPECT_DOUBLE_EQ(*estimate_seconds_left(wall, {"a", "b"}, {}, 1), 115.0);
  EXPECT_DOUBLE_EQ(*estimate_seconds_left(wall, {"c"}, {}, 1), 130.0 / 3);
  // A running trial: its estimate less the time it has run, not below 0; shared by the jobs.
  EXPECT_DOUBLE_EQ(*estimate_seconds_left(wall, {"a"}, {{"b", 40}, {"a", 30}}, 2), (15.0 + 60.0 + 0.0) / 2);
  EXPECT_EQ(trainperf::format_duration(45.2), "45 s");
  EXPECT_EQ(trainperf::format_duration(185), "3 min 05 s");
  EXPECT_EQ(trainperf::format_duration(7440), "2 h 04 min");
}

TEST(ExperimentConfig, ALargeSearchSpaceIsStoredAsCountAndHashAndStillChecked) {
  const fs::path dir = fs::temp_directory_path() / ("trainperf_bigspace_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto space_text = [](int n, int changed) {
    std::string s = "[";
    for (int i = 0; i < n; ++i)
      s += fmt::format("{}{{\"learning_rate\": {}}}", i ? "," : "", i == changed ? 0.5 : 1e-3 + i * 1e-9);
    return s + "]";
  };
  const SubmissionEntry& sub = resolve_submission("nadamw");
  StudyRequest r;
  r.ruleset = Ruleset::External;
  r.trials = 2;
  const auto big = SearchSpace::parse(space_text(200000, -1), "big.json");
  const nlohmann::json config = experiment_config(r, big);
  ASSERT_TRUE(config["search_space_points"].is_object());
  EXPECT_EQ(config["search_space_points"]["count"], 200000);
  record_experiment_config(dir, config);
  EXPECT_LT(fs::file_size(dir / "experiment.json"), 4096u);
  check_experiment_config(dir, r, sub, big);  // the same space: accepted
  // One point changed, far beyond the trials drawn: refused all the same.
  const auto other = SearchSpace::parse(space_text(200000, 150000), "other.json");
  try {
    check_experiment_config(dir, r, sub, other);
    FAIL() << "a changed search space was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("search_space_points"), std::string::npos) << e.what();
  }
  // A small space is still stored point by point.
  EXPECT_TRUE(experiment_config(r, SearchSpace::parse(space_text(3, -1), "small.json"))["search_space_points"].is_array());
  fs::remove_all(dir);
}
