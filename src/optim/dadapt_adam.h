// D-Adaptation Adam (Defazio & Mishchenko 2023, "Learning-Rate-Free Learning by D-Adaptation";
// reference: github.com/facebookresearch/dadaptation, DAdaptAdam): Adam whose step size d is a
// non-decreasing lower-bound estimate of the distance to the solution (the family's step in dadapt.h):
//   dlr = d lr bc,  bc = sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)) with bias correction, else 1
//   per tensor, with the old s and v:  num_acc += dlr <g, s / (sqrt(v) + eps)>
//   m <- b1 m + (1-b1) dlr g;  v <- b2 v + (1-b2) g^2;  s <- sqrt(b2) s + (1-sqrt(b2)) dlr g;  l1 += ||s||_1
//   num <- sqrt(b2) num + (1-sqrt(b2)) num_acc;  d^ = num / ((1-sqrt(b2)) l1);  d <- max(d, min(d^, d growth_rate))
//   x <- x (1 - wd dlr) (decoupled) ;  x <- x - m / (sqrt(v) + eps)
// If l1 = 0 (no gradient seen yet) the step is skipped: d, num, k and the parameters are untouched.
// Weight decay is coupled by default (wd x added to the gradient), as in dadaptation's DAdaptAdam;
// decouple = true applies it with the step instead (AdamW style; what the dadapt_adam submission uses).
// One host synchronisation per step (num_acc and l1 together).
#pragma once

#include <torch/torch.h>

#include <limits>
#include <utility>

#include "optim/dadapt.h"
#include "optim/optimizer_base.h"

namespace trainperf {

struct DAdaptAdamOptions : public SerializedOptions<DAdaptAdamOptions> {
  DAdaptAdamOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(bool, decouple) = false;  // dadaptation's default
  TORCH_ARG(bool, use_bias_correction) = false;
  TORCH_ARG(double, d0) = 1e-6;
  TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_),
    f("decouple", decouple_), f("use_bias_correction", use_bias_correction_), f("d0", d0_),
    f("growth_rate", growth_rate_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct DAdaptAdamUpdate {
  using Options = DAdaptAdamOptions;
  using Param = DAdaptParam<Options>;
  static constexpr const char* name = "DAdaptAdam";
  static constexpr const char* archive_prefix = "dadapt/";
  struct Step {
    double beta1, beta2, sqrt_beta2, dlr;
  };

  explicit DAdaptAdamUpdate(const Options&) {}
  static void check(const Options& o);
  static void init(DAdaptParamState& s, const torch::Tensor& p);
  static torch::Tensor gradient(const torch::Tensor& p, const Options& o) { return adam_like_gradient(p, o); }
  template <class F>
  void fields(F&& f) {
    f("numerator_weighted", numerator_weighted);
  }

  Step begin(const Options& o0, double d, int64_t k, const std::vector<Param>& tensors) const;
  std::pair<torch::Tensor, torch::Tensor> accumulate(const Step& step, const Param& t) const;  // num_acc, l1
  torch::Tensor also_read(const Step&) const { return {}; }
  void fold(const Step& step, double numerator_acc, double) {
    numerator_weighted = step.sqrt_beta2 * numerator_weighted + (1.0 - step.sqrt_beta2) * numerator_acc;
  }
  double next_d(const Step& step, const Options& o0, double d, double l1) const {
    return growth_limited(d, numerator_weighted / ((1.0 - step.sqrt_beta2) * l1), o0.growth_rate());
  }
  void apply(const Step& step, Param& t, double d) const;

  double numerator_weighted = 0.0;
};

extern template class DAdaptation<DAdaptAdamUpdate>;
using DAdaptAdam = DAdaptation<DAdaptAdamUpdate>;

}  // namespace trainperf
