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
    auto flag = [&](const char* name, bool fallback) { return h.has(name) ? h.boolean(name) : fallback; };
    return std::make_unique<Prodigy>(params, ProdigyOptions(h.number("learning_rate"))
                                                 .beta1(1.0 - h.number("one_minus_beta1"))
                                                 .beta2(h.number("beta2"))
                                                 .weight_decay(h.number_or("weight_decay", 0.0))
                                                 .decouple(true)
                                                 .safeguard_warmup(flag("safeguard_warmup", true))
                                                 .use_bias_correction(flag("use_bias_correction", false))
                                                 .d0(h.number_or("d0", 1e-6))
                                                 .d_coef(h.number_or("d_coef", 1.0)));
  }
};

}  // namespace

void register_prodigy(SubmissionRegistry& registry) {
  registry.add({"prodigy", "Prodigy (learning-rate-free Adam, D-Adaptation successor) + warmup/cosine multiplier",
                "Mishchenko & Defazio 2024, Prodigy: An Expeditiously Adaptive Parameter-Free Learner; "
                "github.com/konstmish/prodigy",
                [] { return std::make_unique<ProdigySubmission>(); }, "prodigy"});
}

}  // namespace trainperf
