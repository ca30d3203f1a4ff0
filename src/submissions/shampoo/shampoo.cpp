// Distributed Shampoo as the AlgoPerf v0.5 external-tuning winner ran it: blocks of at most 1024,
// inverse roots every 100 steps, Adam grafting, NAdam first moment, decoupled weight decay, linear
// warmup + cosine decay over step_hint. Self-tuning: the winner's configuration 1; external tuning:
// AlgoPerf's published Shampoo baseline space.
#include "optim/shampoo.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class ShampooSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<Shampoo>(
        params, ShampooOptions(h.number("learning_rate"))
                    .beta1(1.0 - h.number("one_minus_beta1"))
                    .beta2(h.number("beta2"))
                    .eps(1e-8)
                    .weight_decay(h.number("weight_decay"))
                    .precondition_frequency(h.integer("precondition_frequency"))
                    .max_preconditioner_dim(1024));
  }
};

}  // namespace

static HParamSchema shampoo_hparams() {
  return scheduled_adam_hparams()
      .integer("precondition_frequency", 100, "steps between preconditioner root computations");
}

void register_shampoo(SubmissionRegistry& registry) {
  registry.add(
      {"shampoo",
       "Distributed Shampoo (Adam grafting, blocks <= 1024) + warmup/cosine; AlgoPerf v0.5 external-tuning winner",
       "Gupta et al. 2018; Shi et al. 2023; facebookresearch/optimizers distributed_shampoo (AlgoPerf v0.5 submission)",
       [] { return std::make_unique<ShampooSubmission>(); }, "shampoo", shampoo_hparams()});
}

}  // namespace trainperf
