// Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"; the AlgoPerf v0.5
// self-tuning winner): the Schedule-Free averaging (schedule_free.h) over an Adam-preconditioned
// dual-averaging sequence z, with weight decay decoupled. The library form (facebookresearch/
// schedule_free's AdamWScheduleFree, the defaults):
//   z <- z - gamma wd y;  v <- b2 v + (1-b2) g^2;  z <- z - gamma g / (sqrt(v / (1-b2^(k+1))) + eps)
// The forms AlgoPerf ran (mlcommons/submissions_algorithms), with step = gamma sqrt(1-b2^(k+1)) and
// gamma floored at eps (bias_correction_in_step):
//   v0.6 (schedule_free_adamw_v2, algoperf_v06()):
//     z <- z - step wd y;  v <- b2 v + (1-b2) g^2;  z <- z - step g / (sqrt(v) + eps)
//   v0.5 (schedule_free_adamw, external and self-tuning, algoperf_v05()): v kept in bfloat16, and the
//   decay taken from x after the gradient step:
//     v <- b2 v + (1-b2) g^2 (bfloat16);  z <- z - step g / (sqrt(v) + eps);  z <- z - step wd x
// The eps placement matters while 1 - b2^(k+1) is small: the AlgoPerf forms' effective eps is
// eps / sqrt(1 - b2^(k+1)). Then y <- b1 x + (1-b1) z as in every form.
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
  // AlgoPerf's submissions: step gamma sqrt(1-b2^(k+1)) over sqrt(v) + eps (decay scaled by the same
  // step, gamma floored at eps); false: the library's gamma over sqrt(v / (1-b2^(k+1))) + eps.
  TORCH_ARG(bool, bias_correction_in_step) = false;
  TORCH_ARG(bool, decay_at_x) = false;          // the v0.5 submission: decay from x, after the gradient step
  TORCH_ARG(bool, second_moment_bf16) = false;  // the v0.5 submission: v kept in bfloat16

 public:
  // The update of AlgoPerf's v0.5 submission (external and self-tuning) and of the v0.6 one.
  static ScheduleFreeAdamWOptions algoperf_v05(double lr) {
    return ScheduleFreeAdamWOptions(lr).bias_correction_in_step(true).decay_at_x(true).second_moment_bf16(true);
  }
  static ScheduleFreeAdamWOptions algoperf_v06(double lr) {
    return ScheduleFreeAdamWOptions(lr).bias_correction_in_step(true);
  }

  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_),
    f("warmup_steps", warmup_steps_), f("r", r_), f("weight_lr_power", weight_lr_power_),
    f("bias_correction_in_step", bias_correction_in_step_), f("decay_at_x", decay_at_x_),
    f("second_moment_bf16", second_moment_bf16_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct ScheduleFreeAdamWUpdate {
  using Options = ScheduleFreeAdamWOptions;
  static constexpr const char* name = "ScheduleFreeAdamW";
  static void check(const Options& o);
  static double interpolation(const Options& o) { return o.beta1(); }
  static double min_lr(const Options& o) { return o.bias_correction_in_step() ? o.eps() : 0.0; }
  static void init(ScheduleFreeParamState& s, const torch::Tensor& p, const Options& o);
  static void descend(ScheduleFreeParamState& s, const torch::Tensor& y, const torch::Tensor& g, const Options& o,
                      double gamma, double k1);
};

extern template class ScheduleFree<ScheduleFreeAdamWUpdate>;
using ScheduleFreeAdamW = ScheduleFree<ScheduleFreeAdamWUpdate>;

}  // namespace trainperf
