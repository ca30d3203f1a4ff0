#include "optim/sgd_momentum.h"

#include <torch/optim/serialize.h>

#include "optim/state_key.h"

namespace trainperf {

SGDMomentum::SGDMomentum(std::vector<torch::optim::OptimizerParamGroup> groups, SGDMomentumOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<SGDMomentumOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "SGDMomentum: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.momentum() >= 0, "SGDMomentum: invalid momentum ", defaults.momentum());
  TORCH_CHECK(defaults.weight_decay() >= 0, "SGDMomentum: invalid weight decay ", defaults.weight_decay());
  TORCH_CHECK(!defaults.nesterov() || defaults.momentum() > 0, "SGDMomentum: Nesterov needs momentum > 0");
}

SGDMomentum::SGDMomentum(std::vector<torch::Tensor> params, SGDMomentumOptions defaults)
    : SGDMomentum({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor SGDMomentum::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const SGDMomentumOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor d = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      if (o.momentum() != 0) {
        auto it = state_.find(state_key(p));
        if (it == state_.end()) {
          // A zero buffer makes the first step buf = d, as torch.optim.SGD's clone of d does.
          auto s = std::make_unique<SGDMomentumParamState>();
          s->momentum_buffer(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          it = state_.insert({state_key(p), std::move(s)}).first;
        }
        torch::Tensor& buf = static_cast<SGDMomentumParamState&>(*it->second).momentum_buffer();
        buf.mul_(o.momentum()).add_(d);
        d = o.nesterov() ? d.add(buf, o.momentum()) : buf;
      }
      p.add_(d, -o.lr());
    }
  }
  return loss;
}

void SGDMomentum::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<SGDMomentumParamState, SGDMomentumOptions>(archive, *this);
}

void SGDMomentum::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<SGDMomentumParamState, SGDMomentumOptions>(archive, *this);
}

}  // namespace trainperf
