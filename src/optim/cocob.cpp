#include "optim/cocob.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

void COCOBOptions::set_lr(const double lr) {
  TORCH_CHECK(lr == 1.0, "COCOB has no learning rate to set (asked for ", lr, ")");
}

COCOB::COCOB(std::vector<torch::optim::OptimizerParamGroup> groups, COCOBOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<COCOBOptions>(defaults)) {
  TORCH_CHECK(defaults.alpha() > 0, "COCOB: alpha must be positive, got ", defaults.alpha());
  TORCH_CHECK(defaults.eps() > 0, "COCOB: eps must be positive, got ", defaults.eps());
}

COCOB::COCOB(std::vector<torch::Tensor> params, COCOBOptions defaults)
    : COCOB({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor COCOB::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const COCOBOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor g = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<COCOBParamState>();
        s->x0(p.detach().clone());
        s->max_grad(torch::full_like(p, o.eps(), torch::MemoryFormat::Preserve));
        s->abs_grad_sum(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->reward(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->neg_grad_sum(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<COCOBParamState&>(*it->second);
      s.step(s.step() + 1);
      const torch::Tensor abs_g = g.abs();
      torch::Tensor L = s.max_grad();  // shares storage: updated in place below
      torch::maximum_out(L, L, abs_g);
      s.abs_grad_sum().add_(abs_g);
      s.reward().sub_(g * (p - s.x0())).clamp_min_(0.0);
      s.neg_grad_sum().sub_(g);
      // x = x0 + theta (L + R) / (L max(G + L, alpha L))
      torch::Tensor denom = torch::maximum(s.abs_grad_sum() + L, L * o.alpha()).mul_(L);
      p.copy_(s.x0()).addcdiv_(s.neg_grad_sum() * (L + s.reward()), denom);
    }
  }
  return loss;
}

void COCOB::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<COCOBParamState, COCOBOptions>(archive, *this);
}

void COCOB::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<COCOBParamState, COCOBOptions>(archive, *this);
}

}  // namespace trainperf
