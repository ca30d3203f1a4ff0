// D-Adaptation SGD: dual-averaging SGD whose step size is estimated online (learning_rate is a
// multiplier, 1 by default, under warmup + cosine decay), momentum 1 - one_minus_beta1, coupled
// weight decay as in the reference, and growth_rate bounding how fast d may grow (absent:
// unbounded, the reference default, with which fmnist_mlp diverges; see docs/optimizers-lr-free.md).
#include "optim/dadapt_sgd.h"
#include "submissions/common/d_adaptation.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class DAdaptSGDSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<DAdaptSGD>(
        params, DAdaptSGDOptions(h.number("learning_rate"))
                    .momentum(1.0 - h.number("one_minus_beta1"))
                    .weight_decay(h.number("weight_decay"))
                    .d0(h.number("d0"))
                    .growth_rate(growth_rate_or_unbounded(h)));
  }
};

}  // namespace

static HParamSchema dadapt_sgd_hparams() {
  return HParamSchema()
      .number("learning_rate", "multiplier of the D-Adaptation step size (warmup + cosine decay)")
      .number("one_minus_beta1", "1 - momentum")
      .number("weight_decay", 0.0, "weight decay")
      .optional("growth_rate", HType::Number, "bound on D's growth per step (default unbounded)")
      .add(d_adaptation_hparams());
}

void register_dadapt_sgd(SubmissionRegistry& registry) {
  registry.add({"dadapt_sgd",
                "D-Adaptation SGD (learning-rate-free dual-averaging SGD, bounded d growth) + warmup/cosine multiplier",
                "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation; "
                "github.com/facebookresearch/dadaptation",
                [] { return std::make_unique<DAdaptSGDSubmission>(); }, "dadapt_sgd", dadapt_sgd_hparams()});
}

}  // namespace trainperf
