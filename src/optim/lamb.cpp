#include "optim/lamb.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

LAMB::LAMB(std::vector<torch::optim::OptimizerParamGroup> groups, LAMBOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<LAMBOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "LAMB: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "LAMB: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "LAMB: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "LAMB: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.weight_decay() >= 0, "LAMB: invalid weight decay ", defaults.weight_decay());
}

LAMB::LAMB(std::vector<torch::Tensor> params, LAMBOptions defaults)
    : LAMB({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor lamb_trust_ratio(const torch::Tensor& x, const torch::Tensor& u) {
  torch::Tensor x_norm = x.norm(), u_norm = u.norm();
  return torch::where(x_norm.gt(0).logical_and(u_norm.gt(0)), x_norm / u_norm, torch::ones_like(x_norm));
}

torch::Tensor LAMB::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const LAMBOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<LAMBParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<LAMBParamState&>(*it->second);
      s.step(s.step() + 1);
      const double b1 = o.beta1(), b2 = o.beta2();
      const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step()));
      const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step()));

      s.exp_avg().mul_(b1).add_(g, 1.0 - b1);
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, 1.0 - b2);
      torch::Tensor denom = s.exp_avg_sq().sqrt().div_(std::sqrt(bc2)).add_(o.eps());
      torch::Tensor update = s.exp_avg().div(denom).div_(bc1);
      if (o.weight_decay() != 0) update.add_(p, o.weight_decay());
      torch::Tensor trust = lamb_trust_ratio(p, update);
      p.sub_(update.mul_(trust * o.lr()));
    }
  }
  return loss;
}

void LAMB::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<LAMBParamState, LAMBOptions>(archive, *this);
}

void LAMB::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<LAMBParamState, LAMBOptions>(archive, *this);
}

}  // namespace trainperf
