// AlgoPerf's NadamW baseline: NAdamW with decoupled weight decay, linear warmup + cosine decay over
// step_hint (clamped at 0), optional label smoothing and global-norm gradient clipping.
// External tuning: the 5 published points in order; self-tuning: point 5.
#include <trainperf/trainperf.h>

#include "optim/nadamw.h"
#include "optim/schedules.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class NadamWSubmission final : public Submission {
 public:
  int64_t batch_size(const WorkloadSpec& workload) const override { return workload.reference_batch_size; }

  void init_optimizer_state(const InitContext& ctx) override {
    const Hyperparameters& h = ctx.hparams;
    std::vector<torch::Tensor> params;
    for (const auto& p : ctx.params) params.push_back(p.tensor);
    params_ = params;
    optimizer_ = std::make_unique<NAdamW>(params, NAdamWOptions(h.number("learning_rate"))
                                                      .beta1(1.0 - h.number("one_minus_beta1"))
                                                      .beta2(h.number("beta2"))
                                                      .eps(1e-8)
                                                      .weight_decay(h.number("weight_decay")));
    const int64_t steps = static_cast<int64_t>(h.number_or("step_hint_factor", 1.0) *
                                               static_cast<double>(ctx.workload.spec().step_hint));
    schedule_ = std::make_unique<ScheduledLr>(
        *optimizer_, std::make_shared<WarmupCosine>(steps, h.number("warmup_factor")), h.number("learning_rate"));
    label_smoothing_ = h.number_or("label_smoothing", 0.0);
    grad_clip_ = h.number_or("grad_clip", 0.0);
  }

  StepResult update_params(const StepContext& ctx, const Batch& batch) override {
    optimizer_->zero_grad();
    torch::Tensor logits = ctx.workload.model_fn(ctx.model, batch, ForwardMode::Train);
    LossOutput loss = ctx.workload.loss(logits, batch, label_smoothing_);
    torch::Tensor mean = loss.mean();
    mean.backward();
    average_gradients(ctx.comm, params_);
    if (grad_clip_ > 0) torch::nn::utils::clip_grad_norm_(params_, grad_clip_);
    schedule_->apply(ctx.global_step);
    optimizer_->step();
    return {mean.detach(), false};
  }

  double current_lr() const override { return schedule_ ? schedule_->last() : 0.0; }

 private:
  std::vector<torch::Tensor> params_;
  std::unique_ptr<NAdamW> optimizer_;
  std::unique_ptr<ScheduledLr> schedule_;
  double label_smoothing_ = 0, grad_clip_ = 0;
};

}  // namespace

void register_nadamw(SubmissionRegistry& registry) {
  registry.add({"nadamw", "NAdamW + warmup/cosine; the AlgoPerf baseline of both rulesets",
                "Dozat 2016; Loshchilov & Hutter 2019; AlgoPerf baselines (Dahl et al. 2023)",
                [] { return std::make_unique<NadamWSubmission>(); }, "nadamw"});
}

}  // namespace trainperf
