#include "optim/schedule_free_adamw.h"

#include <cmath>

namespace trainperf {

void ScheduleFreeAdamWUpdate::check(const Options& o) {
  TORCH_CHECK(o.eps() >= 0, name, ": invalid epsilon ", o.eps());
  TORCH_CHECK(o.beta1() >= 0 && o.beta1() < 1, name, ": invalid beta1 ", o.beta1());
  TORCH_CHECK(o.beta2() >= 0 && o.beta2() < 1, name, ": invalid beta2 ", o.beta2());
}

void ScheduleFreeAdamWUpdate::init(ScheduleFreeParamState& s, const torch::Tensor& p, const Options& o) {
  s.exp_avg_sq(o.second_moment_bf16() ? torch::zeros_like(p, torch::TensorOptions().dtype(torch::kBFloat16))
                                      : torch::zeros_like(p, torch::MemoryFormat::Preserve));
}

void ScheduleFreeAdamWUpdate::descend(ScheduleFreeParamState& s, const torch::Tensor& y, const torch::Tensor& g,
                                      const Options& o, double gamma, double k1) {
  const double bc2 = 1.0 - std::pow(o.beta2(), k1);
  const double step = o.bias_correction_in_step() ? gamma * std::sqrt(bc2) : gamma;
  const bool decay = o.weight_decay() != 0;
  if (decay && !o.decay_at_x()) s.z().add_(y, -step * o.weight_decay());
  // In the v0.5 form the whole computation of v and its root stays in bfloat16, as the submission's.
  s.exp_avg_sq().mul_(o.beta2()).addcmul_(g, g, 1.0 - o.beta2());
  const torch::Tensor denom = o.bias_correction_in_step() ? s.exp_avg_sq().sqrt().add_(o.eps())
                                                          : s.exp_avg_sq().div(bc2).sqrt_().add_(o.eps());
  s.z().addcdiv_(g, denom, -step);
  if (decay && o.decay_at_x()) s.z().add_(s.x(), -step * o.weight_decay());
}

template class ScheduleFree<ScheduleFreeAdamWUpdate>;

}  // namespace trainperf
