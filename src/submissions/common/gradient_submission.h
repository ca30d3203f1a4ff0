// The shared skeleton of gradient-based submissions: batch size, one forward/backward with the
// workload's loss, gradient averaging over ranks, optional global-norm clipping, and a scheduled
// learning rate applied to a LibTorch optimizer. A concrete submission only builds its optimizer
// (and, optionally, a schedule) from the hyperparameters.
#pragma once

#include <trainperf/checkpointable.h>
#include <trainperf/trainperf.h>

#include <memory>

#include "optim/schedules.h"

namespace trainperf {

class GradientSubmission : public Submission, public Checkpointable {
 public:
  int64_t batch_size(const WorkloadSpec& workload) const override { return workload.reference_batch_size; }
  void init_optimizer_state(const InitContext& ctx) override;
  StepResult update_params(const StepContext& ctx, const Batch& batch) override;
  double current_lr() const override { return schedule_ ? schedule_->last() : lr_; }
  // The optimizer's state (its field lists, src/optim); the schedule is a function of the step.
  bool save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

 protected:
  // Build the optimizer over `params` from the hyperparameters.
  virtual std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                                  const std::vector<torch::Tensor>& params) = 0;
  // The schedule's multiplier of the peak learning rate; default: the one the `schedule` key names
  // (schedule_hparams(): warmup + cosine unless chosen otherwise) over step_hint * step_hint_factor
  // steps. A name that is not a schedule is refused here, when the trial starts (the schema types
  // keys, it does not list values). A submission without a harness schedule returns nullptr.
  virtual std::shared_ptr<Schedule> make_schedule(const InitContext& ctx);

  // Forward + backward of the mean training loss (label smoothing from the hyperparameters),
  // gradients averaged over ranks and clipped if grad_clip is set. Returns the detached loss.
  torch::Tensor loss_and_grads(const StepContext& ctx, const Batch& batch);

  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  const std::vector<torch::Tensor>& params() const { return params_; }

 private:
  std::vector<torch::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<ScheduledLr> schedule_;
  double lr_ = 0, label_smoothing_ = 0, grad_clip_ = 0;
};

// Total steps a schedule spans: step_hint * step_hint_factor.
int64_t schedule_steps(const InitContext& ctx);

// The keys every GradientSubmission reads: label_smoothing, grad_clip.
HParamSchema gradient_hparams();
// The warmup's keys, warmup_factor and step_hint_factor: for a submission with a schedule of its own
// (momentum's linear decay, Schedule-Free's internal warmup).
HParamSchema warmup_hparams();
// The keys of the harness's schedule (GradientSubmission::make_schedule): `schedule` (one of
// schedule_names() in optim/schedules.h; default warmup_cosine), warmup_hparams(), and
// warmup_stable_decay's decay_fraction. The learning rate is each submission's own key.
HParamSchema schedule_hparams();
// one_minus_beta1, beta2, weight_decay: the Adam family's keys, all required.
HParamSchema adam_hparams();
// An Adam-family optimizer under the harness's schedule: learning_rate (its peak),
// adam_hparams(), schedule_hparams(), gradient_hparams() (AdamW, NAdamW, LAMB, Lion, Shampoo, SOAP, SAM).
HParamSchema scheduled_adam_hparams();

}  // namespace trainperf
