#include "optim/prodigy.h"

#include <cmath>

namespace trainperf {

void ProdigyUpdate::check(const Options& o) {
  TORCH_CHECK(o.eps() >= 0, name, ": invalid epsilon ", o.eps());
  TORCH_CHECK(o.beta1() >= 0 && o.beta1() < 1, name, ": invalid beta1 ", o.beta1());
  TORCH_CHECK(o.beta2() >= 0 && o.beta2() < 1, name, ": invalid beta2 ", o.beta2());
  TORCH_CHECK(!o.beta3() || (*o.beta3() >= 0 && *o.beta3() < 1), name, ": invalid beta3");
}

void ProdigyUpdate::init(DAdaptParamState& s, const torch::Tensor& p) {
  s.x0(p.detach().clone());
  s.exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  s.exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
}

ProdigyUpdate::Step ProdigyUpdate::begin(const Options& o0, double d, int64_t k, const std::vector<Param>&) const {
  const double dlr = d * o0.lr() * adam_like_bias_correction(o0, k);
  return {o0.beta1(), o0.beta2(), o0.beta3().value_or(std::sqrt(o0.beta2())), d, o0.d0(), dlr,
          (d / o0.d0()) * (o0.safeguard_warmup() ? d : dlr)};
}

std::pair<torch::Tensor, torch::Tensor> ProdigyUpdate::accumulate(const Step& step, const Param& t) const {
  auto& s = *t.state;
  const torch::Tensor& g = t.grad;
  torch::Tensor numerator = (g * (s.x0() - t.param)).sum().to(torch::kDouble) * ((step.d / step.d0) * step.dlr);
  s.exp_avg().mul_(step.beta1).add_(g, step.d * (1.0 - step.beta1));
  s.exp_avg_sq().mul_(step.beta2).addcmul_(g, g, step.d * step.d * (1.0 - step.beta2));
  s.s().mul_(step.beta3).add_(g, step.s_rate);
  return {numerator, s.s().abs().sum().to(torch::kDouble)};
}

void ProdigyUpdate::apply(const Step& step, Param& t, double d) const {
  adam_like_decay(t.param, *t.options, step.dlr);
  t.param.addcdiv_(t.state->exp_avg(), t.state->exp_avg_sq().sqrt().add_(d * t.options->eps()), -step.dlr);
}

template class DAdaptation<ProdigyUpdate>;

}  // namespace trainperf
