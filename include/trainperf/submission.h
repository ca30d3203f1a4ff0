// A training algorithm (AlgoPerf "submission"): batch size, optimizer init, update step,
// data selection, prepare-for-eval.
#pragma once

#include <trainperf/distributed.h>
#include <trainperf/hparams.h>
#include <trainperf/rules.h>
#include <trainperf/train_state.h>
#include <trainperf/workload.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>

namespace trainperf {

// What init_optimizer_state receives. The workload is there for its spec (step_hint, targets,
// budget), loss and model_fn; a submission must not use spec().name to pick per-workload settings.
struct InitContext {
  Workload& workload;
  Model& model;
  const std::vector<ParamInfo>& params;
  const Hyperparameters& hparams;  // the trial's point; the self-tuning config under self-tuning
  Ruleset ruleset;
  uint64_t seed;
  Communicator& comm;
  // The trial's budget and evaluation period in seconds on this machine (from reference steps, as the
  // runner converts them; AlgoPerf's workload.max_allowed_runtime_sec / eval_period_time_sec). Zero
  // when a submission is driven outside a trial (benchmarks, tests).
  double max_runtime_s = 0;
  double eval_period_s = 0;
};

// What update_params, data_selection and prepare_for_eval receive.
struct StepContext {
  Workload& workload;
  Model& model;
  const std::vector<ParamInfo>& params;
  const Hyperparameters& hparams;
  const std::map<std::string, Metrics>& last_eval;  // "train"/"validation"/"test" -> metrics
  int64_t global_step;  // steps completed before this one
  uint64_t rng_seed;    // this step's seed
  const TrainState& train_state;
  Communicator& comm;
};

struct StepResult {
  torch::Tensor loss;              // scalar training loss of this step (for divergence checks and logs)
  bool training_complete = false;  // the submission says it is done
};

class Submission {
 public:
  virtual ~Submission() = default;

  // Global training batch size: the one per-workload choice the rules allow (AlgoPerf passes the
  // workload name). spec.reference_batch_size is what the target-setting runs used.
  virtual int64_t batch_size(const WorkloadSpec& workload) const = 0;

  // Untimed.
  virtual void init_optimizer_state(const InitContext& ctx) = 0;

  // Timed: one training step.
  virtual StepResult update_params(const StepContext& ctx, const Batch& batch) = 0;

  // Timed: choose the next batch (default: the next one in the stream).
  virtual Batch data_selection(const StepContext& ctx, BatchStream& stream) {
    (void)ctx;
    return stream.next();
  }

  // Timed: called before every evaluation (swap in averaged weights, etc.).
  virtual void prepare_for_eval(const StepContext& ctx) { (void)ctx; }

  // For progress lines only; NaN when the algorithm has no single learning rate.
  virtual double current_lr() const { return std::numeric_limits<double>::quiet_NaN(); }
};

}  // namespace trainperf
