// AdEMAMix (Pagliardini, Ablin & Grangier 2024): Adam's fast EMA mixed with a slow EMA (beta3, alpha),
// both warmed up over a fixed number of steps as the official code does, decoupled weight decay, the
// harness's schedule and gradient clipping.
// Self-tuning: the configuration of AlgoPerf's 2026 self-tuning entry "AdEMAMix"
// (mlcommons/submissions_algorithms, branch a100_scoring, submissions/self_tuning/ademamix/submission.py,
// PyTorch): lr 2e-3, beta1 0.8, beta2 0.995, beta3 0.9995, alpha 8, wd 0.1, alpha and beta3 warm-ups of
// 500e3 steps (longer than any workload's step_hint, so alpha never reaches 8 there), grad_clip 0.5,
// warmup_factor 0.02 with its schedule, torch's LinearLR + CosineAnnealingLR stepped past step_hint
// (warmup_cosine_pytorch), no label smoothing. That entry sets no dropout (AlgoPerf's workloads then use
// their model default); here dropout_rate is 0.
// External tuning: a documented range around that point (docs/optimizers.md); AlgoPerf published none.
#include "optim/ademamix.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class AdEMAMixSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<AdEMAMix>(params, AdEMAMixOptions(h.number("learning_rate"))
                                                  .beta1(1.0 - h.number("one_minus_beta1"))
                                                  .beta2(h.number("beta2"))
                                                  .beta3(h.number("beta3"))
                                                  .alpha(h.number("alpha"))
                                                  .alpha_warmup(h.number("alpha_warmup"))
                                                  .beta3_warmup(h.number("beta3_warmup"))
                                                  .eps(1e-8)
                                                  .weight_decay(h.number("weight_decay")));
  }
};

HParamSchema ademamix_hparams() {
  return HParamSchema()
      .add(scheduled_adam_hparams())
      .number("beta3", "decay of the slow EMA")
      .number("alpha", "weight of the slow EMA in the update")
      .number("alpha_warmup", 0.0, "alpha rises linearly from 0 over this many steps; 0 = no warm-up")
      .number("beta3_warmup", 0.0, "beta3 rises from beta1 (linearly in half-life) over this many steps; 0 = none");
}

}  // namespace

void register_ademamix(SubmissionRegistry& registry) {
  registry.add({"ademamix", "AdEMAMix (fast + slow gradient EMAs) + warmup/cosine; AlgoPerf 2026 self-tuning entry",
                "Pagliardini, Ablin & Grangier 2024; apple/ml-ademamix pytorch/ademamix.py; "
                "mlcommons/submissions_algorithms a100_scoring submissions/self_tuning/ademamix",
                [] { return std::make_unique<AdEMAMixSubmission>(); }, "ademamix", ademamix_hparams()});
}

}  // namespace trainperf
