// The timed training loop of one trial (benchmark-rules.md section 3).
#pragma once

#include <trainperf/seeding.h>
#include <trainperf/submission.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runner/clock.h"

namespace trainperf {

struct TrialCheckpoint;  // runner/checkpoint.h

enum class TrialStatus { ReachedTargets, BudgetExhausted, TrainingComplete, MaxSteps, Diverged, Failed };
const char* to_string(TrialStatus s);

// The submission's own code failed (a Python submission's exception, with its traceback): run_trial
// records the trial as failed with this message instead of letting the error end the study.
class SubmissionFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One evaluation as it is logged (eval_measurements.csv row) and shown on the console.
struct EvalRecord {
  int64_t global_step = 0;
  double submission_time = 0;  // "score" column
  double total_duration = 0;
  double accumulated_eval_time = 0;
  double accumulated_logging_time = 0;
  std::map<std::string, Metrics> metrics;  // "train" / "validation" / "test" -> metrics
  double last_train_loss = 0;              // loss of the step before this eval
  double lr = 0;                           // submission's current lr (NaN if none)
  bool validation_goal_reached = false;
  bool test_goal_reached = false;
  int64_t preemption_count = 0;  // times the trial was killed and resumed from a checkpoint before this row

  // Column name -> value, AlgoPerf column names first, then "<split>/<metric>" sorted.
  std::vector<std::pair<std::string, double>> columns() const;
};

struct TrialResult {
  TrialStatus status = TrialStatus::BudgetExhausted;
  int64_t global_step = 0;
  double submission_time = 0;
  double max_runtime_s = 0;      // the budget this trial ran under, in seconds
  double eval_period_s = 0;      // the evaluation period it ran under, in seconds
  double reference_step_s = 0;   // the measured reference step (0: the budget was given in seconds)
  int64_t num_evals = 0;
  // First eval whose validation metric beat the target (runner's strict test); empty if none.
  std::optional<double> time_to_target;
  std::optional<int64_t> step_to_target;
  double best_validation = 0;  // best value of the target metric
  std::string message;         // e.g. where the loss turned non-finite
  int64_t preemption_count = 0;  // resumes from a checkpoint (AlgoPerf's preemption_count)
};

// Minutes between a trial's checkpoints by default (--checkpoint-every-min): a minute-long CPU trial
// never writes one; an hour-long one loses at most ten minutes to a kill.
inline constexpr double kDefaultCheckpointEveryMin = 10;

struct TrialOptions {
  Ruleset ruleset = Ruleset::External;
  RulesVersion rules = RulesVersion::V06;
  uint64_t seed = 0;
  std::optional<int64_t> max_steps;
  bool stop_at_targets = true;  // false for target-setting runs: train to max_steps or the budget
  // The budget in seconds of submission time, replacing the workload's max_runtime_s times the
  // ruleset's multiplier (target-setting runs, which train a fixed number of steps, set it high).
  std::optional<double> max_runtime_s;
  // The reference step's time on this machine (runner/reference_step.h), when the caller measured it
  // already; unset: run_trial measures it itself if the workload's budget is in reference steps.
  std::optional<double> reference_step_s;
  torch::Device device = torch::kCPU;
  // CPU: make the next training batch on a background thread while the current one trains.
  bool prefetch = true;
  Clock* clock = nullptr;                                      // default: a steady clock
  std::function<void()> synchronize;                           // default: device synchronize
  std::function<void(const EvalRecord&)> on_eval;              // logging (untimed)
  // Mid-trial checkpoints (runner/checkpoint.h): every checkpoint_every_s seconds of wall time (0:
  // never) the state is written to checkpoint_file, untimed (it counts as logging time, as AlgoPerf's
  // checkpoint writes do). on_checkpoint hears of each (false: the submission cannot be checkpointed,
  // and none is tried again).
  std::string checkpoint_file;
  double checkpoint_every_s = 0;
  std::function<void(int64_t global_step, bool written)> on_checkpoint;
  // Continue a killed attempt from its checkpoint (trial_identity() must match: the caller checks)
  // instead of starting at step 0: the budget, the data stream's position, the model, the submission's
  // state and the bookkeeping are the checkpoint's; preemption_count is one more than its.
  const TrialCheckpoint* resume_from = nullptr;
};

// What a checkpoint must have been written by to be resumed in a trial of these options: workload,
// seed, batch size, hyperparameters, ruleset and rules.
nlohmann::json trial_identity(const WorkloadSpec& spec, int64_t batch_size, const Hyperparameters& hparams,
                              const TrialOptions& options);

// Runs one trial. Untimed: data stream set-up, model init, init_optimizer_state, evals, logging.
// Timed: data_selection + update_params per step, prepare_for_eval (v0.6).
TrialResult run_trial(Workload& workload, Submission& submission, const Hyperparameters& hparams,
                      const TrialOptions& options, Communicator& comm);

// The keys the runner reads for every submission: AlgoPerf's dropout_rate and aux_dropout_rate.
const HParamSchema& model_hparams();
// The dropout rates a trial's hyperparameters ask for (model_hparams()' defaults when unset).
ModelOptions model_options_from(const Hyperparameters& hparams);

}  // namespace trainperf
