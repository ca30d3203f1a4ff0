#include "optim/ldog.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

LDoG::LDoG(std::vector<torch::optim::OptimizerParamGroup> groups, LDoGOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<LDoGOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "LDoG: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.reps_rel() > 0, "LDoG: reps_rel must be positive, got ", defaults.reps_rel());
  TORCH_CHECK(defaults.eps() > 0, "LDoG: eps must be positive, got ", defaults.eps());
}

LDoG::LDoG(std::vector<torch::Tensor> params, LDoGOptions defaults)
    : LDoG({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor LDoG::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const LDoGOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor g = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      const torch::Tensor gsq = g.pow(2).sum().to(torch::kDouble);
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<LDoGParamState>();
        s->x0(p.detach().clone());
        s->rbar(o.reps_rel() * (1.0 + p.norm().to(torch::kDouble)));
        s->grad_sum_sq(gsq + o.eps());
        it = state_.insert({state_key(p), std::move(s)}).first;
      } else {
        auto& s = static_cast<LDoGParamState&>(*it->second);
        s.rbar(torch::maximum(s.rbar(), (p - s.x0()).norm().to(torch::kDouble)));
        s.grad_sum_sq(s.grad_sum_sq() + gsq);
      }
      auto& s = static_cast<LDoGParamState&>(*it->second);
      s.step(s.step() + 1);
      p.addcmul_(g, s.rbar() / s.grad_sum_sq().sqrt(), -o.lr());
    }
  }
  return loss;
}

void LDoG::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<LDoGParamState, LDoGOptions>(archive, *this);
}

void LDoG::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<LDoGParamState, LDoGOptions>(archive, *this);
}

}  // namespace trainperf
