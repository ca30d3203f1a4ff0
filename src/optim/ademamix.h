// AdEMAMix (Pagliardini, Ablin & Grangier 2024, "The AdEMAMix Optimizer: Better, Faster, Older"), as
// the official PyTorch code (apple/ml-ademamix, pytorch/ademamix.py) and AlgoPerf's 2026 self-tuning
// entry (mlcommons/submissions_algorithms, submissions/self_tuning/ademamix, a copy of it) run it.
// Adam's fast EMA m1 mixed with a slow EMA m2 of the gradients, at step t (from 1):
//   alpha_t = ademamix_alpha(t), beta3_t = ademamix_beta3(t)       (the warm-ups below)
//   m1 <- b1 m1 + (1-b1) g;  m2 <- beta3_t m2 + (1-beta3_t) g;  v <- b2 v + (1-b2) g^2
//   x <- x - lr ((m1 / (1-b1^t) + alpha_t m2) / (sqrt(v) / sqrt(1-b2^t) + eps) + wd x)
// The slow EMA is not bias-corrected; the decay is decoupled, scaled by lr (AdamW's). With b1 = 0
// the fast EMA is the gradient itself and is not stored (as the official code).
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

// The official warm-ups, at step t (from 1) over `warmup` steps; warmup 0 (the official None) is none.
// alpha: linear from 0 to `alpha` (t / warmup of the way), then `alpha`.
double ademamix_alpha(int64_t t, double alpha, double warmup);
// beta3: linear in half-life space from beta_start (= beta1) to beta3, with
// f(b) = log(0.5) / log(b + 1e-8) - 1 and f^-1(h) = 0.5^(1 / (h + 1)), then beta3.
double ademamix_beta3(int64_t t, double beta_start, double beta3, double warmup);

struct AdEMAMixOptions : public SerializedOptions<AdEMAMixOptions> {
  AdEMAMixOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, beta3) = 0.9999;
  TORCH_ARG(double, alpha) = 2.0;
  TORCH_ARG(double, beta3_warmup) = 0.0;  // steps; 0: none (the official None)
  TORCH_ARG(double, alpha_warmup) = 0.0;  // steps; 0: none
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("beta3", beta3_), f("alpha", alpha_),
        f("beta3_warmup", beta3_warmup_), f("alpha_warmup", alpha_warmup_), f("eps", eps_),
        f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct AdEMAMixParamState : public SerializedParamState<AdEMAMixParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg_fast);  // undefined when beta1 = 0
  TORCH_ARG(torch::Tensor, exp_avg_slow);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("exp_avg_fast", if_defined(exp_avg_fast_)), f("exp_avg_slow", exp_avg_slow_),
        f("exp_avg_sq", exp_avg_sq_);
  }
};

class AdEMAMix : public OptimizerBase {
 public:
  AdEMAMix(std::vector<torch::optim::OptimizerParamGroup> groups, AdEMAMixOptions defaults = {});
  AdEMAMix(std::vector<torch::Tensor> params, AdEMAMixOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
