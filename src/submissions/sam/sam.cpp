// AlgoPerf's SAM baseline: SAM wrapping AdamW (eps 1e-8), linear warmup + cosine decay over
// step_hint. Each step: forward/backward at x (BatchNorm statistics updated), perturb to x + e, a
// second forward/backward with BatchNorm statistics frozen, restore x, AdamW step with the second
// gradient. External tuning: AlgoPerf's published SAM space; self-tuning: AdamW defaults, rho 0.05.
#include "optim/adamw.h"
#include "optim/sam.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class SamSubmission final : public GradientSubmission {
 public:
  void init_optimizer_state(const InitContext& ctx) override {
    GradientSubmission::init_optimizer_state(ctx);
    // The base class never steps this optimizer (update_params is ours), so the schedule lives here.
    schedule_ = std::make_unique<ScheduledLr>(optimizer(), GradientSubmission::make_schedule(ctx),
                                              ctx.hparams.number("learning_rate"));
    label_smoothing_ = ctx.hparams.number("label_smoothing");
    grad_clip_ = ctx.hparams.number("grad_clip");
  }

  StepResult update_params(const StepContext& ctx, const Batch& batch) override {
    torch::Tensor loss = loss_and_grads(ctx, batch);
    schedule_->apply(ctx.global_step);
    static_cast<SAM&>(optimizer()).step([&] { return perturbed_pass(ctx, batch); });
    return {loss, false};
  }

  double current_lr() const override { return schedule_ ? schedule_->last() : 0.0; }

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    auto base = std::make_unique<AdamW>(params, AdamWOptions(h.number("learning_rate"))
                                                    .beta1(1.0 - h.number("one_minus_beta1"))
                                                    .beta2(h.number("beta2"))
                                                    .eps(1e-8)
                                                    .weight_decay(h.number("weight_decay")));
    return std::make_unique<SAM>(std::move(base), SAMOptions(h.number("rho")));
  }

  std::shared_ptr<Schedule> make_schedule(const InitContext&) override { return nullptr; }

 private:
  // Loss and gradients at x + e without touching BatchNorm statistics (SAM::step zeroed the grads).
  torch::Tensor perturbed_pass(const StepContext& ctx, const Batch& batch) {
    torch::Tensor logits = ctx.workload.model_fn(ctx.model, batch, ForwardMode::Train, /*update_batch_norm=*/false);
    torch::Tensor mean = ctx.workload.loss(logits, batch, label_smoothing_).mean();
    mean.backward();
    average_gradients(ctx.comm, params());
    if (grad_clip_ > 0) torch::nn::utils::clip_grad_norm_(params(), grad_clip_);
    return mean.detach();
  }

  std::unique_ptr<ScheduledLr> schedule_;
  double label_smoothing_ = 0, grad_clip_ = 0;
};

}  // namespace

static HParamSchema sam_hparams() {
  return scheduled_adam_hparams()
      .number("rho", "radius of SAM's perturbation");
}

void register_sam(SubmissionRegistry& registry) {
  registry.add({"sam",
                "SAM wrapping AdamW (two passes, BatchNorm updated once) + warmup/cosine; AlgoPerf paper baseline",
                "Foret et al. 2021; github.com/davda54/sam; AlgoPerf reference_algorithms/paper_baselines/sam",
                [] { return std::make_unique<SamSubmission>(); }, "sam", sam_hparams()});
}

}  // namespace trainperf
