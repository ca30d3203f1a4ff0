// Prodigy: D-Adaptation Adam with a faster-growing step-size estimate (learning_rate is a multiplier,
// 1 by default, under warmup + cosine decay with safeguard_warmup, as the authors recommend when
// warming up), decoupled weight decay.
#include "optim/prodigy.h"
#include "submissions/common/d_adaptation.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class ProdigySubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<Prodigy>(
        params, with_adam_d_adaptation_keys(ProdigyOptions(h.number("learning_rate")), h)
                    .safeguard_warmup(h.boolean("safeguard_warmup"))
                    .d_coef(h.number("d_coef")));
  }
};

}  // namespace

static HParamSchema prodigy_hparams() {
  return HParamSchema()
      .number("learning_rate", "multiplier of Prodigy's step size (warmup + cosine decay)")
      .add(adam_d_adaptation_hparams())
      .boolean("safeguard_warmup", true, "leave the learning rate out of the D estimate's denominator")
      .number("d_coef", 1.0, "multiplier of the D estimate")
      .add(d_adaptation_hparams());
}

void register_prodigy(SubmissionRegistry& registry) {
  registry.add({"prodigy", "Prodigy (learning-rate-free Adam, D-Adaptation successor) + warmup/cosine multiplier",
                "Mishchenko & Defazio 2024, Prodigy: An Expeditiously Adaptive Parameter-Free Learner; "
                "github.com/konstmish/prodigy",
                [] { return std::make_unique<ProdigySubmission>(); }, "prodigy", prodigy_hparams()});
}

}  // namespace trainperf
