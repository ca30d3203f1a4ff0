#include "optim/nadamw.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/cautious.h"
#include "optim/state_key.h"

namespace trainperf {

NAdamW::NAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, NAdamWOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<NAdamWOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "NAdamW: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "NAdamW: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "NAdamW: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "NAdamW: invalid beta2 ", defaults.beta2());
}

NAdamW::NAdamW(std::vector<torch::Tensor> params, NAdamWOptions defaults)
    : NAdamW({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor NAdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const NAdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<NAdamWParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<NAdamWParamState&>(*it->second);
      s.step(s.step() + 1);
      const double b1 = o.beta1(), b2 = o.beta2();
      const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step()));
      const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step()));

      if (o.weight_decay() != 0) p.mul_(1.0 - o.lr() * o.weight_decay());
      s.exp_avg().mul_(b1).add_(g, 1.0 - b1);
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, 1.0 - b2);
      torch::Tensor lookahead = s.exp_avg().mul(b1).add_(g, 1.0 - b1);
      if (o.cautious()) lookahead.mul_(cautious_mask(lookahead, g));
      torch::Tensor denom = s.exp_avg_sq().sqrt().div_(std::sqrt(bc2)).add_(o.eps());
      p.addcdiv_(lookahead, denom, -o.lr() / bc1);
    }
  }
  return loss;
}

void NAdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<NAdamWParamState, NAdamWOptions>(archive, *this);
}

void NAdamW::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<NAdamWParamState, NAdamWOptions>(archive, *this);
}

}  // namespace trainperf
