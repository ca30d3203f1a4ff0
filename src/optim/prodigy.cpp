#include "optim/prodigy.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

void ProdigyOptions::serialize(torch::serialize::OutputArchive& archive) const {
  archive.write("lr", c10::IValue(lr()));
  archive.write("beta1", c10::IValue(beta1()));
  archive.write("beta2", c10::IValue(beta2()));
  archive.write("beta3", c10::IValue(beta3().value_or(-1.0)));  // negative: none
  archive.write("eps", c10::IValue(eps()));
  archive.write("weight_decay", c10::IValue(weight_decay()));
  archive.write("decouple", c10::IValue(decouple()));
  archive.write("use_bias_correction", c10::IValue(use_bias_correction()));
  archive.write("safeguard_warmup", c10::IValue(safeguard_warmup()));
  archive.write("d0", c10::IValue(d0()));
  archive.write("d_coef", c10::IValue(d_coef()));
  archive.write("growth_rate", c10::IValue(growth_rate()));
}

void ProdigyOptions::serialize(torch::serialize::InputArchive& archive) {
  c10::IValue v;
  archive.read("lr", v), lr_ = v.toDouble();
  archive.read("beta1", v), beta1_ = v.toDouble();
  archive.read("beta2", v), beta2_ = v.toDouble();
  archive.read("beta3", v), beta3_ = v.toDouble() < 0 ? std::nullopt : std::optional<double>(v.toDouble());
  archive.read("eps", v), eps_ = v.toDouble();
  archive.read("weight_decay", v), weight_decay_ = v.toDouble();
  archive.read("decouple", v), decouple_ = v.toBool();
  archive.read("use_bias_correction", v), use_bias_correction_ = v.toBool();
  archive.read("safeguard_warmup", v), safeguard_warmup_ = v.toBool();
  archive.read("d0", v), d0_ = v.toDouble();
  archive.read("d_coef", v), d_coef_ = v.toDouble();
  archive.read("growth_rate", v), growth_rate_ = v.toDouble();
}

Prodigy::Prodigy(std::vector<torch::optim::OptimizerParamGroup> groups, ProdigyOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<ProdigyOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Prodigy: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "Prodigy: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "Prodigy: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "Prodigy: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(!defaults.beta3() || (*defaults.beta3() >= 0 && *defaults.beta3() < 1), "Prodigy: invalid beta3");
  TORCH_CHECK(defaults.d0() > 0, "Prodigy: d0 must be positive, got ", defaults.d0());
  TORCH_CHECK(defaults.growth_rate() >= 1, "Prodigy: growth_rate must be >= 1, got ", defaults.growth_rate());
  const auto& o0 = static_cast<const ProdigyOptions&>(param_groups_.front().options());
  d_ = d_max_ = o0.d0();
}

Prodigy::Prodigy(std::vector<torch::Tensor> params, ProdigyOptions defaults)
    : Prodigy({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Prodigy::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const auto& o0 = static_cast<const ProdigyOptions&>(param_groups_.front().options());
  const double b1 = o0.beta1(), b2 = o0.beta2(), b3 = o0.beta3().value_or(std::sqrt(b2));
  const double k1 = static_cast<double>(k_ + 1);
  const double bc = o0.use_bias_correction() ? std::sqrt(1.0 - std::pow(b2, k1)) / (1.0 - std::pow(b1, k1)) : 1.0;
  const double d = d_, d0 = o0.d0();
  const double dlr = d * o0.lr() * bc;
  const double s_rate = (d / d0) * (o0.safeguard_warmup() ? d : dlr);

  std::vector<torch::Tensor> numerators, l1_norms;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ProdigyOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor g = (o.weight_decay() != 0 && !o.decouple()) ? p.grad().add(p, o.weight_decay()) : p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<ProdigyParamState>();
        s->s(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->x0(p.detach().clone());
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<ProdigyParamState&>(*it->second);
      numerators.push_back((g * (s.x0() - p)).sum().to(torch::kDouble) * ((d / d0) * dlr));
      s.exp_avg().mul_(b1).add_(g, d * (1.0 - b1));
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, d * d * (1.0 - b2));
      s.s().mul_(b3).add_(g, s_rate);
      l1_norms.push_back(s.s().abs().sum().to(torch::kDouble));
    }
  }
  if (numerators.empty()) return loss;

  // The one host synchronisation of the step.
  const torch::Tensor sums = torch::stack({torch::stack(numerators).sum(), torch::stack(l1_norms).sum()}).cpu();
  const double numerator = b3 * numerator_ + sums[0].item<double>(), denom = sums[1].item<double>();
  // Guard: denom = 0 means every gradient so far was 0, and d^ would be 0/0.
  if (denom == 0) return loss;

  numerator_ = numerator;
  if (o0.lr() > 0) {
    const double d_hat = o0.d_coef() * numerator / denom;
    d_max_ = std::max(d_max_, d_hat);
    d_ = std::min(d_max_, d * o0.growth_rate());
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ProdigyOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = static_cast<ProdigyParamState&>(*state_.at(state_key(p)));
      s.step(s.step() + 1);
      if (o.weight_decay() != 0 && o.decouple()) p.mul_(1.0 - o.weight_decay() * dlr);
      p.addcdiv_(s.exp_avg(), s.exp_avg_sq().sqrt().add_(d_ * o.eps()), -dlr);
    }
  }
  ++k_;
  return loss;
}

void Prodigy::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<ProdigyParamState, ProdigyOptions>(archive, *this);
  archive.write("prodigy/d", c10::IValue(d_));
  archive.write("prodigy/d_max", c10::IValue(d_max_));
  archive.write("prodigy/numerator", c10::IValue(numerator_));
  archive.write("prodigy/k", c10::IValue(k_));
}

void Prodigy::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<ProdigyParamState, ProdigyOptions>(archive, *this);
  c10::IValue v;
  archive.read("prodigy/d", v), d_ = v.toDouble();
  archive.read("prodigy/d_max", v), d_max_ = v.toDouble();
  archive.read("prodigy/numerator", v), numerator_ = v.toDouble();
  archive.read("prodigy/k", v), k_ = v.toInt();
}

}  // namespace trainperf
