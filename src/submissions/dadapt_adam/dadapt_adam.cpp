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
                    .weight_decay(h.number_or("weight_decay", 0.0))
                    .decouple(true)
                    .use_bias_correction(h.has("use_bias_correction") && h.boolean("use_bias_correction"))
                    .d0(h.number_or("d0", 1e-6))
                    .growth_rate(h.number_or("growth_rate", kUnbounded)));
  }
};

}  // namespace

void register_dadapt_adam(SubmissionRegistry& registry) {
  registry.add({"dadapt_adam", "D-Adaptation Adam (learning-rate-free Adam) + warmup/cosine multiplier",
                "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation; "
                "github.com/facebookresearch/dadaptation",
                [] { return std::make_unique<DAdaptAdamSubmission>(); }, "dadapt_adam"});
}

}  // namespace trainperf
