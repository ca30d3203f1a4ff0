// D-Adaptation SGD (Defazio & Mishchenko 2023, "Learning-Rate-Free Learning by D-Adaptation";
// reference: github.com/facebookresearch/dadaptation, DAdaptSGD). Dual averaging whose step size d is a
// non-decreasing lower-bound estimate of the distance to the solution (g includes coupled wd x):
//   dlr = d lr / ||g_0||   (||g_0||: the global gradient norm of the first step)
//   num += dlr <g, s>  (old s);  s <- s + dlr g;  d^ = 2 num / ||s||;  d <- max(d, min(d^, d growth_rate))
//   z = x0 - s;  x <- (1-c) x + c z,  c = 1 - momentum
// Guards: a zero first gradient (||g_0|| = 0) or ||s|| = 0 skips the step (state and parameters
// untouched; the first step is retried). One host synchronisation per step.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <limits>

namespace trainperf {

struct DAdaptSGDOptions : public SerializedOptions<DAdaptSGDOptions> {
  DAdaptSGDOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(double, d0) = 1e-6;
  TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("momentum", momentum_), f("weight_decay", weight_decay_), f("d0", d0_),
    f("growth_rate", growth_rate_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct DAdaptSGDParamState : public SerializedParamState<DAdaptSGDParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, s);
  TORCH_ARG(torch::Tensor, x0);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("s", s_), f("x0", x0_);
  }
};

class DAdaptSGD : public OptimizerBase {
 public:
  // d is global: lr, d0 and growth_rate are read from the first group's options.
  DAdaptSGD(std::vector<torch::optim::OptimizerParamGroup> groups, DAdaptSGDOptions defaults = {});
  DAdaptSGD(std::vector<torch::Tensor> params, DAdaptSGDOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  double d() const { return d_; }
  int64_t steps_taken() const { return k_; }  // steps not skipped

 private:
  double d_;
  double numerator_ = 0.0;
  double g0_norm_ = 0.0;
  int64_t k_ = 0;
};

}  // namespace trainperf
