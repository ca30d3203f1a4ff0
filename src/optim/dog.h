// DoG, "Distance over Gradients" (Ivgi, Hinder & Carmon 2023, "DoG is SGD's Best Friend";
// reference: github.com/formll/dog). SGD whose step size is the largest distance travelled from the
// initial point divided by the root of the summed squared gradient norms, over all parameters:
//   first step:  rbar = reps_rel (1 + ||x0||),  G = ||g0||^2 + eps
//   then:        rbar = max(rbar, ||x_t - x0||),  G += ||g_t||^2
//   eta = lr rbar / sqrt(G);  x <- x - eta (g + wd x)
// lr is a multiplier (1 in the paper). Weight decay is coupled, as in the reference. Evaluate at
// the polynomial-decay average of the iterates (PolynomialAverage in optim/averaging.h).
// No host synchronisation: rbar and G stay on the device.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct DoGOptions : public SerializedOptions<DoGOptions> {
  DoGOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, reps_rel) = 1e-6;  // 1e-4 for models with BatchNorm (paper's recommendation)
  TORCH_ARG(double, eps) = 1e-8;       // keeps the first G positive when the first gradient is 0
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

struct DoGParamState : public SerializedParamState<DoGParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, x0);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("x0", x0_);
  }
};

class DoG : public OptimizerBase {
 public:
  // reps_rel and eps are read from the first group's options: rbar and G are global.
  DoG(std::vector<torch::optim::OptimizerParamGroup> groups, DoGOptions defaults = {});
  DoG(std::vector<torch::Tensor> params, DoGOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // rbar / sqrt(G), the step size before the lr multiplier (undefined before the first step).
  torch::Tensor eta() const;

 private:
  torch::Tensor rbar_, grad_sum_sq_;  // float64 scalars; undefined before the first step
};

}  // namespace trainperf
