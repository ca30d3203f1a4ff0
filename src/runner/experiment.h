// Runs the trials of one study of one submission on one workload into the AlgoPerf log layout,
// printing a settings table, one progress line per eval and a summary.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "runner/runner.h"
#include "tuning/search_space.h"

namespace trainperf {

struct StudyRequest {
  std::string workload;
  std::string submission;  // a built-in name or the path of a plugin .so
  Ruleset ruleset = Ruleset::External;
  RulesVersion rules = RulesVersion::V06;
  std::string search_space_path;  // empty: the submission's own
  // Self-tuning: a configuration file used instead of the submission's shipped self_tuning.json (what
  // `trainperf calibrate` writes); resolved against the submission's declared keys before any trial.
  std::string self_tuning_config_path;
  int trials = 5;                 // external tuning; self-tuning runs one
  std::optional<int> only_trial;  // run just this trial (1-based) of the study (cluster plans)
  int study = 0;
  uint64_t seed = 0;
  std::filesystem::path experiment_dir = "experiments";
  std::optional<int64_t> max_steps;
  std::optional<double> max_runtime_s;  // replaces the workload's budget (target-setting runs)
  // The reference step's time, instead of measuring it before each trial (docs/timing.md): to replay
  // a trial under the budget another machine measured, or to test.
  std::optional<double> reference_step_s;
  bool stop_at_targets = true;
  bool overwrite = false;  // run finished trials again (AlgoPerf's --overwrite)
  // Minutes of wall time between a trial's checkpoints (runner/checkpoint.h); 0: none. A killed trial
  // rerun resumes from its checkpoint whatever this says. Not part of the experiment's configuration:
  // a resumed trial goes on exactly as it would have.
  double checkpoint_every_min = kDefaultCheckpointEveryMin;
  int threads = 0;  // 0: all cores
  std::string device = "cpu";
  std::string data_dir;
  nlohmann::json flags;  // the command's options, written to flags_0.json
};

struct TrialOutcome {
  int trial = 0;  // 1-based, as in trial_<i>
  std::filesystem::path dir;
  uint64_t seed = 0;
  TrialResult result;
  bool skipped = false;  // already finished on disk, or being run by another process
};

// Seed of trial `trial` of study `study` on `workload`, derived from the base seed.
uint64_t trial_seed(uint64_t base, int study, const std::string& workload, int trial);
// Seed of a study's quasi-random search sequence.
uint64_t search_seed(uint64_t base, int study, const std::string& workload);

// `group`: the process group of a data-parallel trial (docs/distributed.md), whose rank 0 calls this
// (the other ranks call follow_study); null: one process.
std::vector<TrialOutcome> run_study(const StudyRequest& request, std::ostream& out, Communicator* group = nullptr);

struct SubmissionEntry;
// The hyperparameters of a study's trials, each resolved against the submission's declared keys:
// the search space's first num_trials points (quasi-random ones for `search_seed`), or the
// self-tuning configuration when `space` is null. Throws SearchSpaceError naming the file and point.
// `self_tuning_config_path` (self-tuning only): the point is that file's instead of the shipped one.
std::vector<Hyperparameters> study_points(const SubmissionEntry& sub, const SearchSpace* space, int num_trials,
                                          uint64_t search_seed, const std::string& self_tuning_config_path = "");

// The self-tuning point of a submission: `config_path`'s (a JSON object of hyperparameters, resolved
// against the submission's declared keys; an unknown or missing required key is refused naming the
// file and the key), or the submission's shipped self_tuning.json when the path is empty.
Hyperparameters self_tuning_point(const SubmissionEntry& sub, const std::string& config_path);

// The search space a study's trials draw from: --search-space, else the submission's own (external
// tuning); none under self-tuning, which refuses a --search-space.
std::optional<SearchSpace> study_search_space(const StudyRequest& request, const SubmissionEntry& sub);

// What makes trials of one submission comparable: ruleset, rules, seed, trials, max_steps, search
// space. Stored as <experiment_dir>/<submission>/experiment.json when the folder's first trial starts;
// a later run, bench or plan with a different configuration is refused rather than mixed in.
// The search space's points are stored in full up to kMaxStoredSearchSpacePoints; a longer list as
// {"count": N, "sha256": hash of the list}, so a 200,000-point space does not make a 41 MB file.
nlohmann::json experiment_config(const StudyRequest& request, const std::optional<SearchSpace>& space);
inline constexpr size_t kMaxStoredSearchSpacePoints = 1000;
nlohmann::json summarize_search_space_points(const nlohmann::json& points);

// Refuses (std::runtime_error listing the differences) when `submission_dir` holds trials of another
// configuration than `request`'s. The configuration is experiment.json's; when that file is missing
// (deleted, or the trials copied without it), it is rebuilt from each trial's own flags_0.json,
// meta_data_0.json and hparams.json. Reads only: nothing is written. Returns `request`'s configuration
// (experiment_config), for record_experiment_config when a trial starts.
nlohmann::json check_experiment_config(const std::filesystem::path& submission_dir, const StudyRequest& request,
                             const SubmissionEntry& sub, const std::optional<SearchSpace>& space);
// Writes experiment.json when it is absent (the first writer wins, atomically), else refuses a
// configuration that differs from it. Called as a trial starts.
void record_experiment_config(const std::filesystem::path& submission_dir, const nlohmann::json& config);

torch::Device parse_device(const std::string& name);

}  // namespace trainperf
