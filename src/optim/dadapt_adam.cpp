#include "optim/dadapt_adam.h"

#include <cmath>

namespace trainperf {

void DAdaptAdamUpdate::check(const Options& o) {
  TORCH_CHECK(o.eps() >= 0, name, ": invalid epsilon ", o.eps());
  TORCH_CHECK(o.beta1() >= 0 && o.beta1() < 1, name, ": invalid beta1 ", o.beta1());
  TORCH_CHECK(o.beta2() >= 0 && o.beta2() < 1, name, ": invalid beta2 ", o.beta2());
}

void DAdaptAdamUpdate::init(DAdaptParamState& s, const torch::Tensor& p) {
  s.exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  s.exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
}

DAdaptAdamUpdate::Step DAdaptAdamUpdate::begin(const Options& o0, double d, int64_t k,
                                               const std::vector<Param>&) const {
  return {o0.beta1(), o0.beta2(), std::sqrt(o0.beta2()), d * o0.lr() * adam_like_bias_correction(o0, k)};
}

std::pair<torch::Tensor, torch::Tensor> DAdaptAdamUpdate::accumulate(const Step& step, const Param& t) const {
  auto& s = *t.state;
  const torch::Tensor& g = t.grad;
  torch::Tensor denom = s.exp_avg_sq().sqrt().add_(t.options->eps());
  torch::Tensor numerator = (g * s.s() / denom).sum().to(torch::kDouble) * step.dlr;
  s.exp_avg().mul_(step.beta1).add_(g, step.dlr * (1.0 - step.beta1));
  s.exp_avg_sq().mul_(step.beta2).addcmul_(g, g, 1.0 - step.beta2);
  s.s().mul_(step.sqrt_beta2).add_(g, step.dlr * (1.0 - step.sqrt_beta2));
  return {numerator, s.s().abs().sum().to(torch::kDouble)};
}

void DAdaptAdamUpdate::apply(const Step& step, Param& t, double) const {
  adam_like_decay(t.param, *t.options, step.dlr);
  t.param.addcdiv_(t.state->exp_avg(), t.state->exp_avg_sq().sqrt().add_(t.options->eps()), -1.0);
}

template class DAdaptation<DAdaptAdamUpdate>;

}  // namespace trainperf
