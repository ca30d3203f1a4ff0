#include "optim/adamw.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/cautious.h"
#include "optim/state_key.h"

namespace trainperf {

AdamW::AdamW(std::vector<torch::optim::OptimizerParamGroup> groups, AdamWOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<AdamWOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "AdamW: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "AdamW: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "AdamW: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "AdamW: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.weight_decay() >= 0, "AdamW: invalid weight decay ", defaults.weight_decay());
}

AdamW::AdamW(std::vector<torch::Tensor> params, AdamWOptions defaults)
    : AdamW({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

void adamw_update(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, int64_t t, double lr,
                  double beta1, double beta2, double eps, double weight_decay, bool cautious) {
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(t));
  if (weight_decay != 0) p.mul_(1.0 - lr * weight_decay);
  m.mul_(beta1).add_(g, 1.0 - beta1);
  v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
  torch::Tensor denom = v.sqrt().div_(std::sqrt(bc2)).add_(eps);
  p.addcdiv_(cautious ? m * cautious_mask(m, g) : m, denom, -lr / bc1);
}

torch::Tensor AdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<AdamWParamState>();
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<AdamWParamState&>(*it->second);
      s.step(s.step() + 1);
      adamw_update(p, p.grad(), s.exp_avg(), s.exp_avg_sq(), s.step(), o.lr(), o.beta1(), o.beta2(), o.eps(),
                   o.weight_decay(), o.cautious());
    }
  }
  return loss;
}

void AdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<AdamWParamState, AdamWOptions>(archive, *this);
}

void AdamW::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<AdamWParamState, AdamWOptions>(archive, *this);
}

}  // namespace trainperf
