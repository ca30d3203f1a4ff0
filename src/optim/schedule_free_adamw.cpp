#include "optim/schedule_free_adamw.h"

#include <cmath>

namespace trainperf {

void ScheduleFreeAdamWUpdate::check(const Options& o) {
  TORCH_CHECK(o.eps() >= 0, name, ": invalid epsilon ", o.eps());
  TORCH_CHECK(o.beta1() >= 0 && o.beta1() < 1, name, ": invalid beta1 ", o.beta1());
  TORCH_CHECK(o.beta2() >= 0 && o.beta2() < 1, name, ": invalid beta2 ", o.beta2());
}

void ScheduleFreeAdamWUpdate::init(ScheduleFreeParamState& s, const torch::Tensor& p) {
  s.exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
}

void ScheduleFreeAdamWUpdate::descend(ScheduleFreeParamState& s, const torch::Tensor& g, const Options& o,
                                      double gamma, double k1) {
  const double bc2 = 1.0 - std::pow(o.beta2(), k1);
  s.exp_avg_sq().mul_(o.beta2()).addcmul_(g, g, 1.0 - o.beta2());
  torch::Tensor denom = s.exp_avg_sq().div(bc2).sqrt_().add_(o.eps());
  s.z().addcdiv_(g, denom, -gamma);
}

template class ScheduleFree<ScheduleFreeAdamWUpdate>;

}  // namespace trainperf
