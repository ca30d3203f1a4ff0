// Prodigy (Mishchenko & Defazio 2024, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner";
// reference: github.com/konstmish/prodigy, prodigyopt 1.0). D-Adaptation Adam (the family's step in
// dadapt.h) with a faster-growing estimate d of the distance to the solution, weighted towards
// recent gradients:
//   dlr = d lr bc (bc as in D-Adaptation, 1 without bias correction);  r <- b3 r
//   per tensor:  r += (d/d0) dlr <g, x0 - x>;  m <- b1 m + (1-b1) d g;  v <- b2 v + (1-b2) d^2 g^2
//                s <- b3 s + (d/d0) dlr g   (safeguard_warmup: d instead of dlr);  denom += ||s||_1
//   d^ = d_coef r / denom;  while d = d0: d <- max(d, d^)  (the first increase skips the cap, as in
//   prodigyopt; cap_first_increase = true caps it too, shared/spec's equations);
//   d_max = max(d_max, d^);  d <- min(d_max, d growth_rate)  (never decreases)
//   x <- x (1 - wd dlr) (decoupled);  x <- x - dlr m / (sqrt(v) + d eps)   (d here is the new d)
// b3 defaults to sqrt(b2). Guard: denom = 0 (no gradient yet) skips the step, as in the reference.
// One host synchronisation per step.
#pragma once

#include <torch/torch.h>

#include <limits>
#include <optional>
#include <utility>

#include "optim/dadapt.h"
#include "optim/optimizer_base.h"

namespace trainperf {

struct ProdigyOptions : public SerializedOptions<ProdigyOptions> {
  ProdigyOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(std::optional<double>, beta3) = std::nullopt;  // none: sqrt(beta2)
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(bool, decouple) = true;
  TORCH_ARG(bool, use_bias_correction) = false;
  TORCH_ARG(bool, safeguard_warmup) = false;
  TORCH_ARG(double, d0) = 1e-6;
  TORCH_ARG(double, d_coef) = 1.0;
  TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();
  // false (prodigyopt): while d is still d0, d jumps to d^ uncapped; true: growth_rate caps every
  // increase. Only a finite growth_rate tells them apart.
  TORCH_ARG(bool, cap_first_increase) = false;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h); an unset beta3 is
  // written as -1, never a valid beta.
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("beta3", or_none(beta3_, -1.0)), f("eps", eps_),
    f("weight_decay", weight_decay_), f("decouple", decouple_), f("use_bias_correction", use_bias_correction_),
    f("safeguard_warmup", safeguard_warmup_), f("d0", d0_), f("d_coef", d_coef_), f("growth_rate", growth_rate_),
    f("cap_first_increase", cap_first_increase_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct ProdigyUpdate {
  using Options = ProdigyOptions;
  using Param = DAdaptParam<Options>;
  static constexpr const char* name = "Prodigy";
  static constexpr const char* archive_prefix = "prodigy/";
  struct Step {
    double beta1, beta2, beta3, d, d0, dlr, s_rate;
  };

  explicit ProdigyUpdate(const Options& o0) : d_max(o0.d0()) {}
  static void check(const Options& o);
  static void init(DAdaptParamState& s, const torch::Tensor& p);
  static torch::Tensor gradient(const torch::Tensor& p, const Options& o) { return adam_like_gradient(p, o); }
  template <class F>
  void fields(F&& f) {
    f("d_max", d_max), f("numerator", numerator);
  }

  Step begin(const Options& o0, double d, int64_t k, const std::vector<Param>& params) const;
  std::pair<torch::Tensor, torch::Tensor> accumulate(const Step& step, const Param& t) const;  // r's sum, denom
  torch::Tensor also_read(const Step&) const { return {}; }
  void fold(const Step& step, double numerator_acc, double) { numerator = step.beta3 * numerator + numerator_acc; }
  double next_d(const Step& step, const Options& o0, double d, double denom) {
    const double d_hat = o0.d_coef() * numerator / denom;
    if (!o0.cap_first_increase() && d == o0.d0()) d = std::max(d, d_hat);
    d_max = std::max(d_max, d_hat);
    return std::min(d_max, d * o0.growth_rate());
  }
  void apply(const Step& step, Param& t, double d) const;

  double d_max;
  double numerator = 0.0;  // r
};

extern template class DAdaptation<ProdigyUpdate>;
using Prodigy = DAdaptation<ProdigyUpdate>;

}  // namespace trainperf
