// Whole-suite runs as a list of self-contained trial commands: `trainperf plan` prints them (for any
// scheduler), `trainperf bench` runs them locally, J at a time, skipping finished trials.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runner/runner.h"

namespace trainperf {

struct BenchRequest {
  std::string suite;                   // or:
  std::vector<std::string> workloads;  // explicit workloads (used when suite is empty)
  std::vector<std::string> submissions;  // names or plugin paths
  Ruleset ruleset = Ruleset::Self;
  RulesVersion rules = RulesVersion::V06;
  int studies = 1;
  int trials = 5;  // per study, external tuning
  uint64_t seed = 0;
  std::filesystem::path experiment_dir;
  std::optional<int64_t> max_steps;
  std::optional<int> threads;  // per trial process (0: all cores of the machine that runs it); unset: cores / jobs
  int jobs = 1;
  int nproc_per_trial = 1;  // processes of each trial's data-parallel group (docs/distributed.md)
  std::string device = "cpu";
  std::string data_dir;
  std::string search_space_path;  // external tuning, one submission; empty: each submission's own
  std::string self_tuning_config_path;  // self-tuning, one submission: this point instead of its shipped one
  double checkpoint_every_min = kDefaultCheckpointEveryMin;  // passed to each trial (StudyRequest's)
  std::optional<double> reference_step_s;  // given to every trial instead of timing it (StudyRequest's)
};

struct PlannedTrial {
  std::string submission;  // as given (name or plugin path)
  std::string submission_name;
  std::string workload;
  int study = 0;
  int trial = 1;
  std::filesystem::path dir;       // its AlgoPerf trial directory
  std::vector<std::string> argv;   // the command that runs it
};

// Validates the request (names, search spaces, trial counts, and each submission's experiment
// configuration against the trials already in experiment_dir: a mismatch is refused with the
// differences before anything runs) and lists every trial, each with a self-contained command
// (absolute paths, explicit threads) built by run_arguments().
std::vector<PlannedTrial> plan_trials(const BenchRequest& request, const std::string& executable);

// What `bench` checks on this machine before its first trial, naming the cause instead of letting
// every trial fail: the device, that experiment_dir can be written, and every workload's datasets
// (a missing one with the `trainperf data prepare` command that builds it). Throws on the first problem.
void check_before_running(const BenchRequest& request);

std::string shell_command(const std::vector<std::string>& argv);

// Runs the planned trials, `jobs` at a time, each in its own process; returns how many failed.
// A trial that another process holds (its lock is taken: still running elsewhere, or an orphan of a
// coordinator that died) is not finished here: it is counted in *held (and as failed), so that a
// caller never scores its study as complete.
// Each finished trial's line also shows the trial's wall time, the time elapsed and an estimate of the
// time left (estimate_seconds_left). With a non-empty `resume_command`, a SIGINT or SIGTERM to this
// process prints (to stderr) how many trials are finished and kept, that the running ones start again
// from step 0, and that command; the process then dies of the signal as it would have (its trials die
// with it: die_with_coordinator()).
int run_planned(const std::vector<PlannedTrial>& trials, int jobs, std::ostream& out, int* held = nullptr,
                const std::string& resume_command = "");

// Seconds left, from the wall times of the trials finished in this run: each trial still to start
// costs the mean of its workload's finished trials (the mean of all of them for a workload with none
// yet), a running trial that estimate less the time it has run (not below 0); the sum is shared by
// `jobs` processes. Empty before any trial has finished.
struct RunningTrial {
  std::string workload;
  double seconds_so_far = 0;
};
std::optional<double> estimate_seconds_left(const std::map<std::string, std::vector<double>>& finished_wall_s,
                                            const std::vector<std::string>& to_start,
                                            const std::vector<RunningTrial>& running, int jobs);
// "45 s", "3 min 05 s", "2 h 04 min".
std::string format_duration(double seconds);

// This process's command line as it was given (/proc/self/cmdline).
std::vector<std::string> own_command_line();

// The environment variable run_planned gives each trial process: the coordinator's pid.
inline constexpr const char* kCoordinatorPidVariable = "TRAINPERF_COORDINATOR_PID";

// Called first by `trainperf run`: when started by run_planned, the trial is killed (SIGKILL) as soon
// as its coordinator dies, whatever kills it (a kill of its pid, a scheduler's time limit, the OOM
// killer), and refuses to start if the coordinator is already gone. Finished trials are untouched
// (their files are complete); the partial one is rerun by the next `bench`.
void die_with_coordinator();

// This executable's path (for commands that re-invoke trainperf).
std::string self_executable();

}  // namespace trainperf
