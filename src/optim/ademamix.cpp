#include "optim/ademamix.h"

#include <torch/optim/serialize.h>

#include <cmath>

namespace trainperf {

double ademamix_alpha(int64_t t, double alpha, double warmup) {
  const double step = static_cast<double>(t);
  if (step < warmup) {
    const double a = step / warmup;
    return (1.0 - a) * 0.0 + a * alpha;
  }
  return alpha;
}

double ademamix_beta3(int64_t t, double beta_start, double beta3, double warmup) {
  const double step = static_cast<double>(t);
  if (step < warmup) {
    // Half-life space: a beta's half-life in steps, and back (the official eps keeps log(0) away).
    const auto half_life = [](double beta) { return std::log(0.5) / std::log(beta + 1e-8) - 1.0; };
    const auto beta_of = [](double h) { return std::pow(0.5, 1.0 / (h + 1.0)); };
    const double a = step / warmup;
    return beta_of((1.0 - a) * half_life(beta_start) + a * half_life(beta3));
  }
  return beta3;
}

AdEMAMix::AdEMAMix(std::vector<torch::optim::OptimizerParamGroup> groups, AdEMAMixOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<AdEMAMixOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "AdEMAMix: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "AdEMAMix: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "AdEMAMix: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "AdEMAMix: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.beta3() >= 0 && defaults.beta3() < 1, "AdEMAMix: invalid beta3 ", defaults.beta3());
  TORCH_CHECK(defaults.alpha() >= 0, "AdEMAMix: invalid alpha ", defaults.alpha());
  TORCH_CHECK(defaults.weight_decay() >= 0, "AdEMAMix: invalid weight decay ", defaults.weight_decay());
  TORCH_CHECK(defaults.alpha_warmup() >= 0, "AdEMAMix: invalid alpha_warmup ", defaults.alpha_warmup());
  TORCH_CHECK(defaults.beta3_warmup() >= 0, "AdEMAMix: invalid beta3_warmup ", defaults.beta3_warmup());
}

AdEMAMix::AdEMAMix(std::vector<torch::Tensor> params, AdEMAMixOptions defaults)
    : AdEMAMix({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor AdEMAMix::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = loss_of(closure);
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdEMAMixOptions&>(group.options());
    const double b1 = o.beta1(), b2 = o.beta2();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto& s = state_of<AdEMAMixParamState>(p, [&](AdEMAMixParamState& s) {
        if (b1 != 0) s.exp_avg_fast(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s.exp_avg_slow(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s.exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      });
      s.step(s.step() + 1);
      const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step()));
      const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step()));
      const double alpha = ademamix_alpha(s.step(), o.alpha(), o.alpha_warmup());
      const double b3 = ademamix_beta3(s.step(), b1, o.beta3(), o.beta3_warmup());

      torch::Tensor fast = g;
      if (b1 != 0) {
        TORCH_CHECK(s.exp_avg_fast().defined(), "AdEMAMix: beta1 became nonzero after the state was created");
        fast = s.exp_avg_fast().mul_(b1).add_(g, 1.0 - b1);
      }
      s.exp_avg_slow().mul_(b3).add_(g, 1.0 - b3);
      s.exp_avg_sq().mul_(b2).addcmul_(g, g, 1.0 - b2);
      torch::Tensor denom = s.exp_avg_sq().sqrt().div_(std::sqrt(bc2)).add_(o.eps());
      torch::Tensor update = fast.div(bc1).add_(s.exp_avg_slow(), alpha).div_(denom);
      if (o.weight_decay() != 0) update.add_(p, o.weight_decay());
      p.add_(update, -o.lr());
    }
  }
  return loss;
}

void AdEMAMix::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<AdEMAMixParamState, AdEMAMixOptions>(archive, *this);
}

void AdEMAMix::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<AdEMAMixParamState, AdEMAMixOptions>(archive, *this);
}

}  // namespace trainperf
