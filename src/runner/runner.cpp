#include "runner/runner.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/tensor_stream.h"
#include "runner/checkpoint.h"
#include "runner/reference_step.h"

namespace trainperf {

const char* to_string(TrialStatus s) {
  switch (s) {
    case TrialStatus::ReachedTargets: return "reached_targets";
    case TrialStatus::BudgetExhausted: return "budget_exhausted";
    case TrialStatus::TrainingComplete: return "training_complete";
    case TrialStatus::MaxSteps: return "max_steps";
    case TrialStatus::Diverged: return "diverged";
    case TrialStatus::Failed: return "failed";
  }
  return "unknown";
}

const HParamSchema& model_hparams() {
  static const HParamSchema schema =
      HParamSchema()
          .number("dropout_rate", 0.0, "dropout of the model's main blocks (the runner builds the model with it)")
          .number("aux_dropout_rate", 0.0, "dropout of the model's auxiliary blocks (attention, input), if any");
  return schema;
}

ModelOptions model_options_from(const Hyperparameters& hparams) {
  // run_trial also takes points that were not resolved (tests, tools): the schema's defaults apply.
  auto read = [&](const std::string& name) {
    return hparams.has(name) ? hparams.number(name) : std::get<double>(*model_hparams().find(name)->default_value);
  };
  ModelOptions o;
  o.dropout_rate = read("dropout_rate");
  o.aux_dropout_rate = read("aux_dropout_rate");
  return o;
}

std::vector<std::pair<std::string, double>> EvalRecord::columns() const {
  std::vector<std::pair<std::string, double>> cols = {
      {"global_step", static_cast<double>(global_step)},
      {"score", submission_time},
      {"total_duration", total_duration},
      {"accumulated_submission_time", submission_time},
      {"accumulated_eval_time", accumulated_eval_time},
      {"accumulated_logging_time", accumulated_logging_time},
      {"preemption_count", static_cast<double>(preemption_count)},
  };
  for (const char* split : {"train", "validation", "test"}) {
    auto it = metrics.find(split);
    if (it == metrics.end()) continue;
    for (const auto& [name, value] : it->second) cols.emplace_back(std::string(split) + "/" + name, value);
  }
  return cols;
}

nlohmann::json trial_identity(const WorkloadSpec& spec, int64_t batch_size, const Hyperparameters& hparams,
                              const TrialOptions& options) {
  return {{"workload", spec.name},
          {"seed", options.seed},
          {"batch_size", batch_size},
          {"hparams", nlohmann::json::parse(hparams.to_json())},
          {"ruleset", to_string(options.ruleset)},
          {"rules_version", to_string(options.rules)}};
}

namespace {

// Counts the batches handed to the submission: a checkpoint records how far the stream has gone, and
// a resumed trial replays the stream (deterministic from its seed) up to there.
class CountingBatchStream final : public BatchStream {
 public:
  CountingBatchStream(std::unique_ptr<BatchStream> inner, int64_t already) : inner_(std::move(inner)), count_(already) {}
  Batch next() override {
    Batch b = inner_->next();
    ++count_;
    return b;
  }
  int64_t count() const { return count_; }

 private:
  std::unique_ptr<BatchStream> inner_;
  int64_t count_;
};

// The bookkeeping of one running trial; the loop below reads like the rules.
class TrialLoop {
 public:
  TrialLoop(Workload& w, Submission& s, const Hyperparameters& h, const TrialOptions& o, Communicator& c)
      : workload_(w), submission_(s), hparams_(h), options_(o), comm_(c) {
    clock_ = options_.clock ? options_.clock : &steady_;
    sync_ = options_.synchronize;
    if (!sync_) {
      torch::Device device = options_.device;
      sync_ = [device] {
        if (device.is_cuda()) torch::cuda::synchronize(device.index());
      };
    }
  }

  TrialResult run() {
    try {
      train();
    } catch (const SubmissionFailure& e) {
      result_.status = TrialStatus::Failed;
      result_.message = e.what();
    }
    result_.global_step = state_.global_step;
    result_.submission_time = state_.accumulated_submission_time;
    result_.num_evals = state_.num_evals;
    result_.preemption_count = preemption_count_;
    return result_;
  }

 private:
  void train() {
    const WorkloadSpec& spec = workload_.spec();
    TrialSeeds seeds{options_.seed};
    const DistInfo dist = comm_.info();
    const TrialCheckpoint* resume = options_.resume_from;

    // Untimed set-up. First the budget in seconds: a budget in reference steps needs this machine's
    // reference step, timed before anything of the trial exists (its model, stream and generators).
    // A resumed trial keeps the budget it started with.
    double reference_step_s = options_.reference_step_s.value_or(0.0);
    if (resume) {
      reference_step_s = resume->loop.reference_step_s;
      state_.max_runtime_s = resume->loop.train_state.max_runtime_s;
      eval_period_s_ = resume->loop.eval_period_s;
    } else {
      if (uses_reference_steps(spec) && !options_.reference_step_s) {
        ReferenceStepOptions ro;
        ro.clock = clock_;
        reference_step_s = comm_.all_reduce_max(measure_reference_step(workload_, ro).median_s);
      }
      const TrialClockBudget clock_budget = budget_in_seconds(
          spec, reference_step_s, budget_multiplier(options_.ruleset, options_.rules), options_.max_runtime_s);
      state_.max_runtime_s = clock_budget.max_runtime_s;
      eval_period_s_ = clock_budget.eval_period_s;
    }
    state_.eval_period_s = eval_period_s_;
    result_.max_runtime_s = state_.max_runtime_s;
    result_.eval_period_s = eval_period_s_;
    result_.reference_step_s = uses_reference_steps(spec) ? reference_step_s : 0.0;

    const int64_t batch_size = submission_.batch_size(spec);
    std::unique_ptr<BatchStream> stream = workload_.train_stream(batch_size, seeds.data(), dist);
    // A resumed trial's stream is where the checkpoint left it: replayed (the batches are a function
    // of the data seed alone), untimed.
    const int64_t replayed = resume ? resume->loop.batches_consumed : 0;
    for (int64_t i = 0; i < replayed; ++i) stream->next();
    // On CPU the next batch is made on a background thread while this one trains (docs/timing.md);
    // data_selection still pulls every batch inside the timed region.
    if (options_.device.is_cpu() && options_.prefetch)
      stream = std::make_unique<PrefetchBatchStream>(std::move(stream), at::get_num_threads());
    CountingBatchStream counted(std::move(stream), replayed);
    torch::manual_seed(torch_seed(seeds.model_init()));
    ModelPtr model = workload_.init_model(seeds.model_init(), model_options_from(hparams_));
    if (resume) resume->restore_model(*model);
    std::vector<torch::Tensor> all_params = model->parameters();
    std::vector<torch::Tensor> buffers = model->buffers();
    comm_.broadcast(all_params, 0);
    comm_.broadcast(buffers, 0);
    params_ = workload_.param_infos(*model);

    torch::manual_seed(torch_seed(seeds.optimizer_init()));
    submission_.init_optimizer_state(
        InitContext{workload_, *model, params_, hparams_, options_.ruleset, seeds.optimizer_init(), comm_,
                    state_.max_runtime_s, eval_period_s_});
    if (resume) resume->restore_submission(submission_);
    identity_ = trial_identity(spec, batch_size, hparams_, options_);

    double start = stamp();
    double prev_end = start;
    double last_eval_end = start;
    double step_end = start;     // when the last step's update ended
    bool step_complete = false;  // whether it said training is complete
    if (resume) restore(resume->loop, start, last_eval_end, step_complete);
    double last_checkpoint = prev_end;
    // A resumed trial continues right after its checkpointed step's update: that step's evaluation
    // decision comes first.
    bool decide_first = resume != nullptr;

    while (true) {
      if (!decide_first) {
        if (options_.max_steps && state_.global_step >= *options_.max_steps) {
          result_.status = TrialStatus::MaxSteps;
          // A final look at the model unless the last eval already saw this step.
          if (state_.global_step > last_eval_step_ && prepare_and_check_budget(*model, seeds, prev_end))
            evaluate(*model, start);
          break;
        }
        // Timed: data selection + update.
        const uint64_t step_seed = seeds.step(state_.global_step);
        // Each rank draws its own dropout masks (rank 0's are a single process's): a function of
        // (seed, step, rank), like its shard of the batch.
        torch::manual_seed(torch_seed(dist.rank == 0 ? step_seed : derive_seed(step_seed, "rank", dist.rank)));
        StepContext ctx = context(*model, step_seed);
        Batch batch = submission_.data_selection(ctx, counted);
        StepResult step = submission_.update_params(ctx, batch);
        state_.global_step += 1;
        const double end = stamp();
        state_.accumulated_submission_time += end - prev_end;
        prev_end = end;

        // Untimed: divergence check (reading the loss forces a device sync).
        last_loss_ = step.loss.defined() ? step.loss.item<double>() : 0.0;
        if (dist.world_size > 1) agree_on_step(step);
        const double after_check = stamp();
        logging_time_ += after_check - end;
        prev_end = after_check;
        if (!std::isfinite(last_loss_)) {
          result_.status = TrialStatus::Diverged;
          result_.message = "training loss became " + std::to_string(last_loss_) + " at step " +
                            std::to_string(state_.global_step);
          break;
        }
        if (options_.rules == RulesVersion::V05 &&
            state_.accumulated_submission_time >= state_.max_runtime_s) {
          result_.status = TrialStatus::BudgetExhausted;
          break;
        }
        step_end = end;
        step_complete = step.training_complete;

        // Untimed: a checkpoint when one is due, between the update and the evaluation decision.
        if (checkpoint_due(after_check - last_checkpoint)) {
          save_checkpoint(*model, counted.count(), step_complete, after_check - start, end - last_eval_end);
          last_checkpoint = prev_end = stamp();
          logging_time_ += prev_end - after_check;
        }
      }
      decide_first = false;

      const bool eval_due =
          state_.global_step == 1 || (step_end - last_eval_end) >= eval_period_s_ || step_complete;
      if (!eval_due) continue;

      if (!prepare_and_check_budget(*model, seeds, prev_end)) {
        result_.status = TrialStatus::BudgetExhausted;
        break;
      }
      evaluate(*model, start);
      // The max over ranks, as every stamp: the evaluation cadence is decided from it on every rank.
      last_eval_end = prev_end = comm_.all_reduce_max(clock_->now());
      state_.last_eval_time = last_eval_end - start;

      if (options_.stop_at_targets && state_.validation_goal_reached && state_.test_goal_reached) {
        result_.status = TrialStatus::ReachedTargets;
        break;
      }
      if (step_complete) {
        result_.status = TrialStatus::TrainingComplete;
        break;
      }
    }
  }

  bool checkpoint_due(double since_last) const {
    return checkpoints_supported_ && !options_.checkpoint_file.empty() && options_.checkpoint_every_s > 0 &&
           since_last >= options_.checkpoint_every_s;
  }

  // The state right after this step's update; `total_duration` and `since_last_eval` are wall times.
  void save_checkpoint(Model& model, int64_t batches_consumed, bool step_complete, double total_duration,
                       double since_last_eval) {
    LoopCheckpoint c;
    c.train_state = state_;
    c.batches_consumed = batches_consumed;
    c.preemption_count = preemption_count_;
    c.eval_time = eval_time_;
    c.logging_time = logging_time_;
    c.last_loss = last_loss_;
    c.training_complete = step_complete;
    c.since_last_eval = since_last_eval;
    c.total_duration = total_duration;
    c.last_eval_step = last_eval_step_;
    c.last_eval = last_eval_;
    c.time_to_target = result_.time_to_target;
    c.step_to_target = result_.step_to_target;
    c.best_validation = result_.best_validation;
    c.eval_period_s = eval_period_s_;
    c.reference_step_s = result_.reference_step_s;
    c.identity = identity_;
    // Rank 0 writes; every rank learns whether it could, so all go on taking the same (collective) stamps.
    const bool wrote = comm_.info().rank == 0 && write_checkpoint(options_.checkpoint_file, c, model, submission_);
    const bool written = comm_.all_reduce_max(wrote ? 1.0 : 0.0) > 0;
    if (!written) checkpoints_supported_ = false;
    if (options_.on_checkpoint) options_.on_checkpoint(state_.global_step, written);
  }

  // The bookkeeping of the checkpoint, on a clock that started at `start` (moved back by the time the
  // trial had run, so total_duration goes on); the time between the checkpoint and the kill is lost,
  // uncounted, as in AlgoPerf (the steps after the checkpoint run, and count, again).
  void restore(const LoopCheckpoint& c, double& start, double& last_eval_end, bool& step_complete) {
    const double now = start;
    state_ = c.train_state;
    state_.eval_period_s = eval_period_s_;  // not in the checkpoint's train state: the loop's period
    eval_time_ = c.eval_time;
    logging_time_ = c.logging_time;
    last_loss_ = c.last_loss;
    last_eval_step_ = c.last_eval_step;
    last_eval_ = c.last_eval;
    result_.time_to_target = c.time_to_target;
    result_.step_to_target = c.step_to_target;
    result_.best_validation = c.best_validation;
    preemption_count_ = c.preemption_count + 1;
    step_complete = c.training_complete;
    start = now - c.total_duration;
    last_eval_end = now - c.since_last_eval;
  }

  // Under data parallelism every rank must take the same decisions: the divergence check reads the
  // mean of the ranks' losses (the global batch's loss), and training_complete is rank 0's.
  void agree_on_step(StepResult& step) {
    const DistInfo dist = comm_.info();
    std::vector<torch::Tensor> values{torch::tensor(
        {last_loss_, dist.rank == 0 && step.training_complete ? 1.0 : 0.0}, torch::kDouble)};
    comm_.all_reduce_sum(values);
    last_loss_ = values[0][0].item<double>() / dist.world_size;
    step.training_complete = values[0][1].item<double>() > 0;
  }

  double stamp() {
    sync_();
    return comm_.all_reduce_max(clock_->now());
  }

  // prepare_for_eval (timed, v0.6 only), then whether submission time remains for an eval.
  bool prepare_and_check_budget(Model& model, const TrialSeeds& seeds, double& prev_end) {
    if (options_.rules == RulesVersion::V06) {
      const double t0 = stamp();
      submission_.prepare_for_eval(context(model, seeds.step(state_.global_step)));
      const double t1 = stamp();
      state_.accumulated_submission_time += t1 - t0;
      prev_end = t1;
    }
    return state_.accumulated_submission_time < state_.max_runtime_s;
  }

  StepContext context(Model& model, uint64_t step_seed) {
    return StepContext{workload_, model, params_, hparams_, last_eval_, state_.global_step,
                       step_seed, state_, comm_};
  }

  void evaluate(Model& model, double start) {
    const WorkloadSpec& spec = workload_.spec();
    const double t0 = stamp();
    {
      torch::NoGradGuard no_grad;
      // BatchNorm under data parallelism (docs/distributed.md): each rank normalizes its own shard in
      // training, and the running statistics every rank evaluates with are rank 0's, as DDP's
      // broadcast_buffers makes them in AlgoPerf's PyTorch workloads.
      if (comm_.info().world_size > 1) {
        std::vector<torch::Tensor> buffers = model.buffers();
        comm_.broadcast(buffers, 0);
      }
      last_eval_["train"] = workload_.evaluate(model, Split::EvalTrain, comm_);
      last_eval_["validation"] = workload_.evaluate(model, Split::Validation, comm_);
      last_eval_["test"] = workload_.evaluate(model, Split::Test, comm_);
    }
    const double t1 = stamp();
    eval_time_ += t1 - t0;
    state_.num_evals += 1;
    last_eval_step_ = state_.global_step;

    const double val = metric(last_eval_["validation"], spec.target_metric, "validation");
    const double test = metric(last_eval_["test"], spec.target_metric, "test");
    const bool val_now = workload_.reaches(val, spec.validation_target);
    state_.validation_goal_reached = state_.validation_goal_reached || val_now;
    state_.test_goal_reached = state_.test_goal_reached || workload_.reaches(test, spec.test_target);
    if (val_now && !result_.time_to_target) {
      result_.time_to_target = state_.accumulated_submission_time;
      result_.step_to_target = state_.global_step;
    }
    const bool better = state_.num_evals == 1 ||
                        (spec.goal == Goal::Maximize ? val > result_.best_validation
                                                     : val < result_.best_validation);
    if (better) result_.best_validation = val;

    EvalRecord record;
    record.global_step = state_.global_step;
    record.submission_time = state_.accumulated_submission_time;
    record.total_duration = t1 - start;
    record.accumulated_eval_time = eval_time_;
    record.accumulated_logging_time = logging_time_;
    record.metrics = last_eval_;
    record.last_train_loss = last_loss_;
    record.lr = submission_.current_lr();
    record.validation_goal_reached = state_.validation_goal_reached;
    record.test_goal_reached = state_.test_goal_reached;
    record.preemption_count = preemption_count_;
    if (comm_.info().rank == 0 && options_.on_eval) options_.on_eval(record);
    logging_time_ += clock_->now() - t1;
  }

  static double metric(const Metrics& m, const std::string& name, const char* split) {
    auto it = m.find(name);
    if (it == m.end())
      throw std::logic_error(std::string("workload evaluation on ") + split + " lacks its target metric '" +
                             name + "'");
    return it->second;
  }

  Workload& workload_;
  Submission& submission_;
  const Hyperparameters& hparams_;
  const TrialOptions& options_;
  Communicator& comm_;
  SteadyClock steady_;
  Clock* clock_;
  std::function<void()> sync_;
  std::vector<ParamInfo> params_;
  TrainState state_;
  TrialResult result_;
  std::map<std::string, Metrics> last_eval_;
  double eval_time_ = 0, logging_time_ = 0, last_loss_ = 0, eval_period_s_ = 0;
  int64_t last_eval_step_ = -1;
  int64_t preemption_count_ = 0;
  bool checkpoints_supported_ = true;
  nlohmann::json identity_;
};

}  // namespace

TrialResult run_trial(Workload& workload, Submission& submission, const Hyperparameters& hparams,
                      const TrialOptions& options, Communicator& comm) {
  return TrialLoop(workload, submission, hparams, options, comm).run();
}

}  // namespace trainperf
