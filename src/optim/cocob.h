// COCOB-Backprop (Orabona & Tommasi 2017, "Training Deep Networks without Learning Rates Through
// Coin Betting"; reference: github.com/bremen79/cocob, COCOBOptimizer). Per coordinate, a coin-betting
// learner bets a fraction of its accumulated reward on the sign of the summed negative gradients:
//   L = max(L, |g|);  G += |g|;  R = max(R - g (x - x0), 0);  theta -= g
//   x = x0 + theta / (L max(G + L, alpha L)) (L + R)
// L starts at eps (the reference's 1e-8), which keeps the denominator positive when gradients are 0.
// Weight decay is coupled (g + wd x). COCOB has no learning rate: get_lr() is 1 and set_lr() accepts
// only 1, so it cannot be scheduled by mistake.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct COCOBOptions : public SerializedOptions<COCOBOptions> {
  COCOBOptions(double alpha = 100.0) : alpha_(alpha) {}
  TORCH_ARG(double, alpha);
  TORCH_ARG(double, eps) = 1e-8;  // initial L
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("alpha", alpha_), f("eps", eps_), f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return 1.0; }
  void set_lr(const double lr) override;
};

struct COCOBParamState : public SerializedParamState<COCOBParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, x0);
  TORCH_ARG(torch::Tensor, max_grad);      // L
  TORCH_ARG(torch::Tensor, abs_grad_sum);  // G
  TORCH_ARG(torch::Tensor, reward);        // R
  TORCH_ARG(torch::Tensor, neg_grad_sum);  // theta

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("x0", x0_), f("max_grad", max_grad_), f("abs_grad_sum", abs_grad_sum_),
    f("reward", reward_), f("neg_grad_sum", neg_grad_sum_);
  }
};

class COCOB : public OptimizerBase {
 public:
  COCOB(std::vector<torch::optim::OptimizerParamGroup> groups, COCOBOptions defaults = {});
  COCOB(std::vector<torch::Tensor> params, COCOBOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
