// D-Adaptation SGD: dual-averaging SGD whose step size is estimated online (learning_rate is a
// multiplier, 1 by default, under warmup + cosine decay), momentum 1 - one_minus_beta1, coupled
// weight decay as in the reference, and growth_rate bounding how fast d may grow (absent:
// unbounded, the reference default, with which fmnist_mlp diverges; see docs/optimizers-lr-free.md).
#include "optim/dadapt_sgd.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

#include <limits>

namespace trainperf {

namespace {

constexpr double kUnboundedGrowth = std::numeric_limits<double>::infinity();  // JSON has no inf: absent = unbounded

class DAdaptSGDSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<DAdaptSGD>(params, DAdaptSGDOptions(h.number("learning_rate"))
                                                   .momentum(1.0 - h.number("one_minus_beta1"))
                                                   .weight_decay(h.number_or("weight_decay", 0.0))
                                                   .d0(h.number_or("d0", 1e-6))
                                                   .growth_rate(h.number_or("growth_rate", kUnboundedGrowth)));
  }
};

}  // namespace

void register_dadapt_sgd(SubmissionRegistry& registry) {
  registry.add({"dadapt_sgd",
                "D-Adaptation SGD (learning-rate-free dual-averaging SGD, bounded d growth) + warmup/cosine multiplier",
                "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation; "
                "github.com/facebookresearch/dadaptation",
                [] { return std::make_unique<DAdaptSGDSubmission>(); }, "dadapt_sgd"});
}

}  // namespace trainperf
