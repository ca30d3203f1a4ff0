// Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"; the AlgoPerf v0.5
// self-tuning winner). No decay schedule: the iterate x is an online weighted average of the
// Adam-preconditioned dual-averaging sequence z, and gradients are taken at the interpolation y.
//   gamma = lr min(1, (k+1)/warmup);  lr_max = max(lr_max, gamma);  w = (k+1)^r lr_max^p;  W += w;  c = w/W
//   z <- z - gamma wd y;  v <- b2 v + (1-b2) g^2;  z <- z - gamma g / (sqrt(v / (1-b2^(k+1))) + eps)
//   x <- (1-c) x + c z;  y <- b1 x + (1-b1) z
// The parameters hold y while training; swap_in() loads x for evaluation and swap_out() restores y.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"
#include "optim/eval_weights.h"

namespace trainperf {

struct ScheduleFreeAdamWOptions : public SerializedOptions<ScheduleFreeAdamWOptions> {
  ScheduleFreeAdamWOptions(double lr = 0.0025) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(int64_t, warmup_steps) = 0;
  TORCH_ARG(double, r) = 0.0;                // polynomial weighting (k+1)^r of the average
  TORCH_ARG(double, weight_lr_power) = 2.0;  // weighting lr_max^p of the average

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_),
    f("warmup_steps", warmup_steps_), f("r", r_), f("weight_lr_power", weight_lr_power_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct ScheduleFreeAdamWParamState : public SerializedParamState<ScheduleFreeAdamWParamState> {
  TORCH_ARG(int64_t, step) = 0;  // k
  TORCH_ARG(double, lr_max) = 0.0;
  TORCH_ARG(double, weight_sum) = 0.0;
  TORCH_ARG(torch::Tensor, z);
  TORCH_ARG(torch::Tensor, x);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("lr_max", lr_max_), f("weight_sum", weight_sum_), f("z", z_), f("x", x_),
    f("exp_avg_sq", exp_avg_sq_);
  }
};

class ScheduleFreeAdamW : public OptimizerBase, public EvalWeights {
 public:
  ScheduleFreeAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, ScheduleFreeAdamWOptions defaults = {});
  ScheduleFreeAdamW(std::vector<torch::Tensor> params, ScheduleFreeAdamWOptions defaults = {});

  // Requires the training point y in the parameters (throws after swap_in() until swap_out()).
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  void swap_in() override;   // parameters <- x
  void swap_out() override;  // parameters <- y = b1 x + (1-b1) z
  bool swapped_in() const override { return at_x_; }

 private:
  bool at_x_ = false;
};

}  // namespace trainperf
