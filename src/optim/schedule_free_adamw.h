// Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"; the AlgoPerf v0.5
// self-tuning winner): the Schedule-Free averaging (schedule_free.h) over an Adam-preconditioned
// dual-averaging sequence z, with weight decay decoupled (applied at y):
//   v <- b2 v + (1-b2) g^2;  z <- z - gamma g / (sqrt(v / (1-b2^(k+1))) + eps);  y <- b1 x + (1-b1) z
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"
#include "optim/schedule_free.h"

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

struct ScheduleFreeAdamWUpdate {
  using Options = ScheduleFreeAdamWOptions;
  static constexpr const char* name = "ScheduleFreeAdamW";
  static void check(const Options& o);
  static double interpolation(const Options& o) { return o.beta1(); }
  static void init(ScheduleFreeParamState& s, const torch::Tensor& p);
  static void descend(ScheduleFreeParamState& s, const torch::Tensor& g, const Options& o, double gamma, double k1);
};

extern template class ScheduleFree<ScheduleFreeAdamWUpdate>;
using ScheduleFreeAdamW = ScheduleFree<ScheduleFreeAdamWUpdate>;

}  // namespace trainperf
