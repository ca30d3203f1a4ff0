// AlgoPerf's Adafactor baseline (PyTorch version): factored second moments with Adam-style decay
// (beta2, default 0.99), eps 1e-30, RMS update clipping at 1, momentum 1 - one_minus_beta1 on the
// scaled update, decoupled weight decay; linear warmup + cosine decay over step_hint.
// External tuning: AlgoPerf's published Adafactor space; self-tuning: literature defaults.
#include "optim/adafactor.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class AdafactorSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<Adafactor>(params, AdafactorOptions(h.number("learning_rate"))
                                                   .beta1(1.0 - h.number("one_minus_beta1"))
                                                   .beta2(h.number("beta2"))
                                                   .weight_decay(h.number("weight_decay")));
  }
};

}  // namespace

static HParamSchema adafactor_hparams() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate (warmup + cosine decay)")
      .number("one_minus_beta1", "1 - beta1 (first-moment decay)")
      .number("beta2", 0.99, "decay of the factored second moments")
      .number("weight_decay", "decoupled weight decay")
      .add(schedule_hparams())
      .add(gradient_hparams());
}

void register_adafactor(SubmissionRegistry& registry) {
  registry.add({"adafactor",
                "Adafactor (factored second moments, update clipping) + warmup/cosine; AlgoPerf paper baseline",
                "Shazeer & Stern 2018; AlgoPerf reference_algorithms/paper_baselines/adafactor",
                [] { return std::make_unique<AdafactorSubmission>(); }, "adafactor", adafactor_hparams()});
}

}  // namespace trainperf
