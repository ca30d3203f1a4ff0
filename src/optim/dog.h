// DoG, "Distance over Gradients", and L-DoG, its layer-wise variant (Ivgi, Hinder & Carmon 2023,
// "DoG is SGD's Best Friend"; reference: github.com/formll/dog, DoG and LDoG). SGD whose step size is
// the largest distance travelled from the initial point divided by the root of the summed squared
// gradient norms; DoG measures both over all parameters, L-DoG per tensor (the one difference, the
// Scope of the template):
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
using LDoGOptions = DoGOptions;

struct DoGParamState : public SerializedParamState<DoGParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, x0);
  TORCH_ARG(torch::Tensor, rbar);         // L-DoG's, float64 scalar (DoG keeps one for all tensors)
  TORCH_ARG(torch::Tensor, grad_sum_sq);  // L-DoG's G, float64 scalar

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("x0", x0_), f("rbar", if_defined(rbar_)), f("grad_sum_sq", if_defined(grad_sum_sq_));
  }
};

enum class DoGScope { all_parameters, per_tensor };

template <DoGScope Scope>
class DoGType : public OptimizerBase {
 public:
  // DoG reads reps_rel and eps from the first group's options (rbar and G are global); L-DoG from
  // each tensor's group.
  DoGType(std::vector<torch::optim::OptimizerParamGroup> groups, DoGOptions defaults = {});
  DoGType(std::vector<torch::Tensor> params, DoGOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // rbar / sqrt(G), DoG's step size before the lr multiplier (undefined before the first step).
  torch::Tensor eta() const
    requires(Scope == DoGScope::all_parameters)
  {
    return grad_sum_sq_.defined() ? rbar_ / grad_sum_sq_.sqrt() : torch::Tensor();
  }

 private:
  torch::Tensor rbar_, grad_sum_sq_;  // DoG's float64 scalars; undefined before the first step
};

extern template class DoGType<DoGScope::all_parameters>;
extern template class DoGType<DoGScope::per_tensor>;
using DoG = DoGType<DoGScope::all_parameters>;
using LDoG = DoGType<DoGScope::per_tensor>;

}  // namespace trainperf
