// D-Adaptation Adam: Adam whose step size is estimated online (learning_rate is a multiplier, 1 by
// default, under warmup + cosine decay as the authors recommend), with decoupled weight decay.
#include "optim/dadapt_adam.h"
#include "submissions/common/d_adaptation.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class DAdaptAdamSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<DAdaptAdam>(
        params, with_adam_d_adaptation_keys(DAdaptAdamOptions(h.number("learning_rate")), h)
                    .growth_rate(growth_rate_or_unbounded(h)));
  }
};

}  // namespace

static HParamSchema dadapt_adam_hparams() {
  return HParamSchema()
      .number("learning_rate", "multiplier of the D-Adaptation step size (warmup + cosine decay)")
      .add(adam_d_adaptation_hparams())
      .optional("growth_rate", HType::Number, "bound on D's growth per step (default unbounded)")
      .add(d_adaptation_hparams());
}

void register_dadapt_adam(SubmissionRegistry& registry) {
  registry.add({"dadapt_adam", "D-Adaptation Adam (learning-rate-free Adam) + warmup/cosine multiplier",
                "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation; "
                "github.com/facebookresearch/dadaptation",
                [] { return std::make_unique<DAdaptAdamSubmission>(); }, "dadapt_adam", dadapt_adam_hparams()});
}

}  // namespace trainperf
