// COCOB-Backprop: coin-betting, learning-rate-free and schedule-free by construction (alpha = 100).
#include "optim/cocob.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class COCOBSubmission final : public GradientSubmission {
 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    return std::make_unique<COCOB>(
        params, COCOBOptions(h.number("cocob_alpha")).weight_decay(h.number("weight_decay")));
  }
  // Nothing to schedule: COCOB has no learning rate (current_lr() is NaN: no learning_rate key).
  std::shared_ptr<Schedule> make_schedule(const InitContext&) override { return nullptr; }
};

}  // namespace

static HParamSchema cocob_hparams() {
  return HParamSchema()
      .number("cocob_alpha", 100.0, "COCOB's alpha (bounds the early bets)")
      .number("weight_decay", 0.0, "coupled (L2) weight decay")
      .add(gradient_hparams());
}

void register_cocob(SubmissionRegistry& registry) {
  registry.add({"cocob", "COCOB-Backprop (coin betting; no learning rate, no schedule)",
                "Orabona & Tommasi 2017, Training Deep Networks without Learning Rates Through Coin Betting; "
                "github.com/bremen79/cocob",
                [] { return std::make_unique<COCOBSubmission>(); }, "cocob", cocob_hparams()});
}

}  // namespace trainperf
