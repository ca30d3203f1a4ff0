#include "optim/dadapt_adam.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

DAdaptAdam::DAdaptAdam(std::vector<torch::optim::OptimizerParamGroup> groups, DAdaptAdamOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<DAdaptAdamOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "DAdaptAdam: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "DAdaptAdam: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "DAdaptAdam: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "DAdaptAdam: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.d0() > 0, "DAdaptAdam: d0 must be positive, got ", defaults.d0());
  TORCH_CHECK(defaults.growth_rate() >= 1, "DAdaptAdam: growth_rate must be >= 1, got ", defaults.growth_rate());
  d_ = static_cast<const DAdaptAdamOptions&>(param_groups_.front().options()).d0();
}

DAdaptAdam::DAdaptAdam(std::vector<torch::Tensor> params, DAdaptAdamOptions defaults)
    : DAdaptAdam({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor DAdaptAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const auto& o0 = static_cast<const DAdaptAdamOptions&>(param_groups_.front().options());
  const double b1 = o0.beta1(), b2 = o0.beta2(), sqrt_b2 = std::sqrt(b2);
  const double k1 = static_cast<double>(k_ + 1);
  const double bc = o0.use_bias_correction() ? std::sqrt(1.0 - std::pow(b2, k1)) / (1.0 - std::pow(b1, k1)) : 1.0;
  const double dlr = d_ * o0.lr() * bc;

  std::vector<torch::Tensor> numerators, l1_norms;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const DAdaptAdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor g = (o.weight_decay() != 0 && !o.decouple()) ? p.grad().add(p, o.weight_decay()) : p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<DAdaptAdamParamState>();
        s->s(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<DAdaptAdamParamState&>(*it->second);
      torch::Tensor denom = s.exp_avg_sq().sqrt().add_(o.eps());
      numerators.push_back((g * s.s() / denom).sum().to(torch::kDouble) * dlr);
      s.exp_avg().mul_(b1).add_(g, dlr * (1.0 - b1));
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, 1.0 - b2);
      s.s().mul_(sqrt_b2).add_(g, dlr * (1.0 - sqrt_b2));
      l1_norms.push_back(s.s().abs().sum().to(torch::kDouble));
    }
  }
  if (numerators.empty()) return loss;

  // The one host synchronisation of the step.
  const torch::Tensor sums = torch::stack({torch::stack(numerators).sum(), torch::stack(l1_norms).sum()}).cpu();
  const double numerator_acc = sums[0].item<double>(), l1 = sums[1].item<double>();
  // Guard: l1 = 0 means every gradient so far was 0, and d^ would be 0/0.
  if (l1 == 0) return loss;

  numerator_weighted_ = sqrt_b2 * numerator_weighted_ + (1.0 - sqrt_b2) * numerator_acc;
  if (o0.lr() > 0) {
    const double d_hat = numerator_weighted_ / ((1.0 - sqrt_b2) * l1);
    d_ = std::max(d_, std::min(d_hat, d_ * o0.growth_rate()));
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const DAdaptAdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = static_cast<DAdaptAdamParamState&>(*state_.at(state_key(p)));
      s.step(s.step() + 1);
      if (o.weight_decay() != 0 && o.decouple()) p.mul_(1.0 - o.weight_decay() * dlr);
      p.addcdiv_(s.exp_avg(), s.exp_avg_sq().sqrt().add_(o.eps()), -1.0);
    }
  }
  ++k_;
  return loss;
}

void DAdaptAdam::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<DAdaptAdamParamState, DAdaptAdamOptions>(archive, *this);
  archive.write("dadapt/d", c10::IValue(d_));
  archive.write("dadapt/numerator_weighted", c10::IValue(numerator_weighted_));
  archive.write("dadapt/k", c10::IValue(k_));
}

void DAdaptAdam::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<DAdaptAdamParamState, DAdaptAdamOptions>(archive, *this);
  c10::IValue v;
  archive.read("dadapt/d", v), d_ = v.toDouble();
  archive.read("dadapt/numerator_weighted", v), numerator_weighted_ = v.toDouble();
  archive.read("dadapt/k", v), k_ = v.toInt();
}

}  // namespace trainperf
