// AlgoPerf's AdamW baseline (a target-setting algorithm): torch.optim.AdamW semantics (decoupled
// weight decay scaled by the scheduled lr), eps 1e-8, linear warmup + cosine decay over step_hint.
// External tuning: AlgoPerf's published AdamW space; self-tuning: literature defaults.
#include "optim/adamw.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class AdamWSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<AdamW>(params, AdamWOptions(h.number("learning_rate"))
                                               .beta1(1.0 - h.number("one_minus_beta1"))
                                               .beta2(h.number("beta2"))
                                               .eps(1e-8)
                                               .weight_decay(h.number("weight_decay")));
  }
};

}  // namespace

void register_adamw(SubmissionRegistry& registry) {
  registry.add({"adamw", "AdamW + warmup/cosine; AlgoPerf target-setting baseline",
                "Loshchilov & Hutter 2019; AlgoPerf reference_algorithms/paper_baselines/adamw",
                [] { return std::make_unique<AdamWSubmission>(); }, "adamw", scheduled_adam_hparams()});
}

}  // namespace trainperf
