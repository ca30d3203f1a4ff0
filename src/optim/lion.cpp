#include "optim/lion.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

Lion::Lion(std::vector<torch::optim::OptimizerParamGroup> groups, LionOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<LionOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Lion: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "Lion: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "Lion: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.weight_decay() >= 0, "Lion: invalid weight decay ", defaults.weight_decay());
}

Lion::Lion(std::vector<torch::Tensor> params, LionOptions defaults)
    : Lion({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Lion::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const LionOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<LionParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      torch::Tensor& m = static_cast<LionParamState&>(*it->second).exp_avg();
      if (o.weight_decay() != 0) p.mul_(1.0 - o.lr() * o.weight_decay());
      p.add_(m.mul(o.beta1()).add_(g, 1.0 - o.beta1()).sign_(), -o.lr());
      m.mul_(o.beta2()).add_(g, 1.0 - o.beta2());
    }
  }
  return loss;
}

void Lion::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<LionParamState, LionOptions>(archive, *this);
}

void Lion::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<LionParamState, LionOptions>(archive, *this);
}

}  // namespace trainperf
