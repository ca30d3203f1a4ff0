// AlgoPerf's momentum and nesterov baselines (target-setting algorithms): torch.optim.SGD with
// heavy-ball or Nesterov momentum 1 - one_minus_beta1 and coupled weight decay; linear warmup over
// warmup_factor * step_hint, then linear decay to end_factor * lr over decay_steps_factor of the
// remaining steps, then constant. The two differ by one flag and share this folder's search space
// (AlgoPerf's published momentum/Nesterov space) and self-tuning configuration (literature defaults).
#include "optim/sgd_momentum.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class MomentumSubmission final : public GradientSubmission {
 public:
  explicit MomentumSubmission(bool nesterov) : nesterov_(nesterov) {}

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<SGDMomentum>(params, SGDMomentumOptions(h.number("learning_rate"))
                                                     .momentum(1.0 - h.number("one_minus_beta1"))
                                                     .weight_decay(h.number("weight_decay"))
                                                     .nesterov(nesterov_));
  }

  std::shared_ptr<Schedule> make_schedule(const InitContext& ctx) override {
    const Hyperparameters& h = ctx.hparams;
    return warmup_linear_decay(schedule_steps(ctx), h.number("warmup_factor"), h.number("decay_steps_factor"),
                               h.number("end_factor"));
  }

 private:
  bool nesterov_;
};

HParamSchema momentum_hparams() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate")
      .number("one_minus_beta1", "1 - momentum")
      .number("weight_decay", "coupled (L2) weight decay")
      .add(warmup_hparams())
      .number("decay_steps_factor", 0.9, "linear decay over this fraction of the steps after warmup")
      .number("end_factor", "the learning rate at the end of the decay, as a fraction of the peak")
      .add(gradient_hparams());
}

}  // namespace

void register_momentum(SubmissionRegistry& registry) {
  registry.add({"momentum", "SGD + heavy-ball momentum, warmup then linear decay; AlgoPerf target-setting baseline",
                "Polyak 1964; AlgoPerf reference_algorithms/paper_baselines/momentum",
                [] { return std::make_unique<MomentumSubmission>(false); }, "momentum", momentum_hparams()});
  registry.add({"nesterov", "SGD + Nesterov momentum, warmup then linear decay; AlgoPerf target-setting baseline",
                "Nesterov 1983; Sutskever et al. 2013; AlgoPerf reference_algorithms/paper_baselines/nesterov",
                [] { return std::make_unique<MomentumSubmission>(true); }, "momentum", momentum_hparams()});
}

}  // namespace trainperf
