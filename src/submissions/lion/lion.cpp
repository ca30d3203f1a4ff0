// Lion with decoupled weight decay, linear warmup + cosine decay over step_hint (AlgoPerf's Lion
// baseline). Self-tuning: that baseline's fixed configuration; external tuning: a documented range
// around it (docs/optimizers.md), since AlgoPerf published no Lion search space.
#include "optim/lion.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class LionSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<Lion>(params, LionOptions(h.number("learning_rate"))
                                              .beta1(1.0 - h.number("one_minus_beta1"))
                                              .beta2(h.number("beta2"))
                                              .weight_decay(h.number("weight_decay")));
  }
};

}  // namespace

void register_lion(SubmissionRegistry& registry) {
  registry.add({"lion", "Lion (sign of interpolated momentum) + warmup/cosine",
                "Chen et al. 2023; google/automl lion_pytorch.py; AlgoPerf reference_algorithms/paper_baselines/lion",
                [] { return std::make_unique<LionSubmission>(); }, "lion", scheduled_adam_hparams()});
}

}  // namespace trainperf
