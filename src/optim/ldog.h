// L-DoG, layer-wise DoG (Ivgi, Hinder & Carmon 2023; reference: github.com/formll/dog, LDoG): DoG
// with rbar and G kept per tensor instead of over all parameters.
//   first step of a tensor:  rbar = reps_rel (1 + ||x0||),  G = ||g0||^2 + eps
//   then:                    rbar = max(rbar, ||x_t - x0||),  G += ||g_t||^2
//   eta = lr rbar / sqrt(G);  x <- x - eta (g + wd x)
// Evaluate at the polynomial-decay average of the iterates (PolynomialAverage in optim/averaging.h).
// No host synchronisation.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct LDoGOptions : public SerializedOptions<LDoGOptions> {
  LDoGOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, reps_rel) = 1e-6;  // 1e-4 for models with BatchNorm (paper's recommendation)
  TORCH_ARG(double, eps) = 1e-8;       // keeps the first G positive when a first gradient is 0
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("reps_rel", reps_rel_), f("eps", eps_), f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct LDoGParamState : public SerializedParamState<LDoGParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, x0);
  TORCH_ARG(torch::Tensor, rbar);         // float64 scalar
  TORCH_ARG(torch::Tensor, grad_sum_sq);  // G, float64 scalar

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("x0", x0_), f("rbar", rbar_), f("grad_sum_sq", grad_sum_sq_);
  }
};

class LDoG : public OptimizerBase {
 public:
  LDoG(std::vector<torch::optim::OptimizerParamGroup> groups, LDoGOptions defaults = {});
  LDoG(std::vector<torch::Tensor> params, LDoGOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
