// D-Adaptation SGD (Defazio & Mishchenko 2023, "Learning-Rate-Free Learning by D-Adaptation";
// reference: github.com/facebookresearch/dadaptation, DAdaptSGD). Dual averaging whose step size d is a
// non-decreasing lower-bound estimate of the distance to the solution (the family's step in dadapt.h;
// g includes coupled wd x):
//   dlr = d lr / ||g_0||   (||g_0||: the global gradient norm of the first step)
//   num += dlr <g, s>  (old s);  s <- s + dlr g;  d^ = 2 num / ||s||;  d <- max(d, min(d^, d growth_rate))
//   z = x0 - s;  x <- (1-c) x + c z,  c = 1 - momentum
// Guards: a zero first gradient (||g_0|| = 0) or ||s|| = 0 skips the step (state and parameters
// untouched; the first step is retried). One host synchronisation per step.
// Deviation from dadaptation's DAdaptSGD (3.2), kept as the default: its ||g_0|| line computes
// `grad.add(p, alpha=decay)` and discards the result, so its ||g_0|| is of the raw gradient although
// every other use of g includes wd x; g0_norm_with_decay = false reproduces it.
#pragma once

#include <torch/torch.h>

#include <limits>
#include <utility>

#include "optim/dadapt.h"
#include "optim/optimizer_base.h"

namespace trainperf {

struct DAdaptSGDOptions : public SerializedOptions<DAdaptSGDOptions> {
  DAdaptSGDOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.0;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(double, d0) = 1e-6;
  TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();
  TORCH_ARG(bool, g0_norm_with_decay) = true;  // false: ||g_0|| of the raw gradient (dadaptation 3.2)

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("momentum", momentum_), f("weight_decay", weight_decay_), f("d0", d0_),
    f("growth_rate", growth_rate_), f("g0_norm_with_decay", g0_norm_with_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct DAdaptSGDUpdate {
  using Options = DAdaptSGDOptions;
  using Param = DAdaptParam<Options>;
  static constexpr const char* name = "DAdaptSGD";
  static constexpr const char* archive_prefix = "dadapt/";
  struct Step {
    bool first;
    torch::Tensor dlr;            // a device scalar: on the first step it depends on ||g_0||
    torch::Tensor g0_norm_sq;     // first step only
  };

  explicit DAdaptSGDUpdate(const Options&) {}
  static void check(const Options& o) {
    TORCH_CHECK(o.momentum() >= 0 && o.momentum() < 1, name, ": invalid momentum ", o.momentum());
  }
  static void init(DAdaptParamState& s, const torch::Tensor& p) { s.x0(p.detach().clone()); }
  static torch::Tensor gradient(const torch::Tensor& p, const Options& o) {
    return o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
  }
  template <class F>
  void fields(F&& f) {
    f("numerator", numerator), f("g0_norm", g0_norm);
  }

  Step begin(const Options& o0, double d, int64_t k, const std::vector<Param>& params) const;
  std::pair<torch::Tensor, torch::Tensor> accumulate(const Step& step, const Param& t) const;  // num_acc, ||s||^2
  torch::Tensor also_read(const Step& step) const { return step.g0_norm_sq; }
  void fold(const Step& step, double numerator_acc, double g0_norm_sq) {
    if (step.first) g0_norm = std::sqrt(g0_norm_sq);
    numerator += numerator_acc;
  }
  double next_d(const Step&, const Options& o0, double d, double s_norm_sq) const {
    return growth_limited(d, 2.0 * numerator / std::sqrt(s_norm_sq), o0.growth_rate());
  }
  void apply(const Step&, Param& t, double) const {
    const double c = 1.0 - t.options->momentum();
    t.param.mul_(1.0 - c).add_(t.state->x0() - t.state->s(), c);
  }

  double numerator = 0.0;
  double g0_norm = 0.0;
};

extern template class DAdaptation<DAdaptSGDUpdate>;
using DAdaptSGD = DAdaptation<DAdaptSGDUpdate>;

}  // namespace trainperf
