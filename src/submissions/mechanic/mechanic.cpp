// Mechanic wrapping NAdamW: NAdamW (with its warmup + cosine schedule, peak learning_rate) proposes
// the updates, Mechanic learns their global scale. learning_rate only fixes the units Mechanic
// rescales (1 by default, as the optax documentation recommends); mechanic_decay is Mechanic's own
// lambda, independent of NAdamW's weight_decay.
#include "optim/mechanic.h"
#include "optim/nadamw.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class MechanicSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    const NAdamWOptions base = NAdamWOptions(h.number("learning_rate"))
                                   .beta1(1.0 - h.number("one_minus_beta1"))
                                   .beta2(h.number("beta2"))
                                   .eps(1e-8)
                                   .weight_decay(h.number("weight_decay"));
    return std::make_unique<Mechanic>(params, MechanicOptions(h.number("learning_rate"))
                                                  .weight_decay(h.number("mechanic_decay"))
                                                  .s_init(h.number("mechanic_s_init"))
                                                  .base([base](std::vector<torch::Tensor> ps) {
                                                    return std::make_unique<NAdamW>(std::move(ps), base);
                                                  }));
  }
};

}  // namespace

static HParamSchema mechanic_hparams() {
  return HParamSchema()
      .number("learning_rate", "peak learning rate of the NAdamW base (warmup + cosine decay)")
      .number("one_minus_beta1", "1 - beta1 of the base")
      .number("beta2", "beta2 of the base")
      .number("weight_decay", 0.0, "decoupled weight decay of the base")
      .number("mechanic_decay", 0.01, "Mechanic's weight decay on the scale")
      .number("mechanic_s_init", 1e-8, "initial scale")
      .add(schedule_hparams())
      .add(gradient_hparams());
}

void register_mechanic(SubmissionRegistry& registry) {
  registry.add({"mechanic", "Mechanic learning-rate tuner wrapping NAdamW + warmup/cosine",
                "Cutkosky, Defazio & Mehta 2023, Mechanic: A Learning Rate Tuner; optax.contrib.mechanize",
                [] { return std::make_unique<MechanicSubmission>(); }, "mechanic", mechanic_hparams()});
}

}  // namespace trainperf
