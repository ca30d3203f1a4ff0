// AlgoPerf's NadamW baseline: NAdamW with decoupled weight decay, linear warmup + cosine decay over
// step_hint (clamped at 0), optional label smoothing and global-norm gradient clipping.
// External tuning: the 5 published points in order; self-tuning: point 5.
#include "optim/nadamw.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class NadamWSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<NAdamW>(params, NAdamWOptions(h.number("learning_rate"))
                                                .beta1(1.0 - h.number("one_minus_beta1"))
                                                .beta2(h.number("beta2"))
                                                .eps(1e-8)
                                                .weight_decay(h.number("weight_decay")));
  }
};

}  // namespace

void register_nadamw(SubmissionRegistry& registry) {
  registry.add({"nadamw", "NAdamW + warmup/cosine; the AlgoPerf baseline of both rulesets",
                "Dozat 2016; Loshchilov & Hutter 2019; AlgoPerf baselines (Dahl et al. 2023)",
                [] { return std::make_unique<NadamWSubmission>(); }, "nadamw", scheduled_adam_hparams()});
}

}  // namespace trainperf
