// Prodigy: D-Adaptation Adam with a faster-growing step-size estimate (learning_rate is a multiplier,
// 1 by default, under warmup + cosine decay with safeguard_warmup, as the authors recommend when
// warming up), decoupled weight decay.
#include "optim/prodigy.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class ProdigySubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<Prodigy>(params, ProdigyOptions(h.number("learning_rate"))
                                                 .beta1(1.0 - h.number("one_minus_beta1"))
                                                 .beta2(h.number("beta2"))
                                                 .weight_decay(h.number("weight_decay"))
                                                 .decouple(true)
                                                 .safeguard_warmup(h.boolean("safeguard_warmup"))
                                                 .use_bias_correction(h.boolean("use_bias_correction"))
                                                 .d0(h.number("d0"))
                                                 .d_coef(h.number("d_coef")));
  }
};

}  // namespace

static HParamSchema prodigy_hparams() {
  return HParamSchema()
      .number("learning_rate", "multiplier of Prodigy's step size (warmup + cosine decay)")
      .number("one_minus_beta1", "1 - beta1")
      .number("beta2", "second-moment decay")
      .number("weight_decay", 0.0, "decoupled weight decay")
      .boolean("safeguard_warmup", true, "leave the learning rate out of the D estimate's denominator")
      .boolean("use_bias_correction", false, "Adam's bias correction of the step")
      .number("d0", 1e-6, "initial D estimate")
      .number("d_coef", 1.0, "multiplier of the D estimate")
      .add(schedule_hparams())
      .add(gradient_hparams());
}

void register_prodigy(SubmissionRegistry& registry) {
  registry.add({"prodigy", "Prodigy (learning-rate-free Adam, D-Adaptation successor) + warmup/cosine multiplier",
                "Mishchenko & Defazio 2024, Prodigy: An Expeditiously Adaptive Parameter-Free Learner; "
                "github.com/konstmish/prodigy",
                [] { return std::make_unique<ProdigySubmission>(); }, "prodigy", prodigy_hparams()});
}

}  // namespace trainperf
