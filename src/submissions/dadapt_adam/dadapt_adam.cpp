// D-Adaptation Adam: Adam whose step size is estimated online (learning_rate is a multiplier, 1 by
// default, under warmup + cosine decay as the authors recommend), with decoupled weight decay.
#include "optim/dadapt_adam.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

#include <limits>

namespace trainperf {

namespace {

constexpr double kUnbounded = std::numeric_limits<double>::infinity();  // JSON has no inf: absent = unbounded

class DAdaptAdamSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<DAdaptAdam>(
        params, DAdaptAdamOptions(h.number("learning_rate"))
                    .beta1(1.0 - h.number("one_minus_beta1"))
                    .beta2(h.number("beta2"))
                    .weight_decay(h.number("weight_decay"))
                    .decouple(true)
                    .use_bias_correction(h.boolean("use_bias_correction"))
                    .d0(h.number("d0"))
                    .growth_rate(h.has("growth_rate") ? h.number("growth_rate") : kUnbounded));
  }
};

}  // namespace

static HParamSchema dadapt_adam_hparams() {
  return HParamSchema()
      .number("learning_rate", "multiplier of the D-Adaptation step size (warmup + cosine decay)")
      .number("one_minus_beta1", "1 - beta1")
      .number("beta2", "second-moment decay")
      .number("weight_decay", 0.0, "decoupled weight decay")
      .boolean("use_bias_correction", false, "Adam's bias correction of the step")
      .number("d0", 1e-6, "initial D estimate")
      .optional("growth_rate", HType::Number, "bound on D's growth per step (default unbounded)")
      .add(schedule_hparams())
      .add(gradient_hparams());
}

void register_dadapt_adam(SubmissionRegistry& registry) {
  registry.add({"dadapt_adam", "D-Adaptation Adam (learning-rate-free Adam) + warmup/cosine multiplier",
                "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation; "
                "github.com/facebookresearch/dadaptation",
                [] { return std::make_unique<DAdaptAdamSubmission>(); }, "dadapt_adam", dadapt_adam_hparams()});
}

}  // namespace trainperf
