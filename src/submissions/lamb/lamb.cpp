// AlgoPerf's LAMB baseline: Adam moments with bias correction, weight decay inside the update, a
// per-tensor trust ratio; eps 1e-8, linear warmup + cosine decay over step_hint.
// External tuning: AlgoPerf's published LAMB space; self-tuning: literature defaults.
#include "optim/lamb.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class LambSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<LAMB>(params, LAMBOptions(h.number("learning_rate"))
                                              .beta1(1.0 - h.number("one_minus_beta1"))
                                              .beta2(h.number("beta2"))
                                              .eps(1e-8)
                                              .weight_decay(h.number("weight_decay")));
  }
};

}  // namespace

void register_lamb(SubmissionRegistry& registry) {
  registry.add({"lamb", "LAMB (layer-wise trust ratio) + warmup/cosine; AlgoPerf paper baseline",
                "You et al. 2020; AlgoPerf reference_algorithms/paper_baselines/lamb",
                [] { return std::make_unique<LambSubmission>(); }, "lamb", scheduled_adam_hparams()});
}

}  // namespace trainperf
