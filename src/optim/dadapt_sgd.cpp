#include "optim/dadapt_sgd.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

DAdaptSGD::DAdaptSGD(std::vector<torch::optim::OptimizerParamGroup> groups, DAdaptSGDOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<DAdaptSGDOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "DAdaptSGD: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.momentum() >= 0 && defaults.momentum() < 1, "DAdaptSGD: invalid momentum ", defaults.momentum());
  TORCH_CHECK(defaults.d0() > 0, "DAdaptSGD: d0 must be positive, got ", defaults.d0());
  TORCH_CHECK(defaults.growth_rate() >= 1, "DAdaptSGD: growth_rate must be >= 1, got ", defaults.growth_rate());
  d_ = static_cast<const DAdaptSGDOptions&>(param_groups_.front().options()).d0();
}

DAdaptSGD::DAdaptSGD(std::vector<torch::Tensor> params, DAdaptSGDOptions defaults)
    : DAdaptSGD({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor DAdaptSGD::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const auto& o0 = static_cast<const DAdaptSGDOptions&>(param_groups_.front().options());
  struct Active {
    torch::Tensor param, grad;
    DAdaptSGDParamState* state;
    double momentum;
  };
  std::vector<Active> active;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const DAdaptSGDOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<DAdaptSGDParamState>();
        s->s(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->x0(p.detach().clone());
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      torch::Tensor g = o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad();
      active.push_back({p, g, static_cast<DAdaptSGDParamState*>(it->second.get()), o.momentum()});
    }
  }
  if (active.empty()) return loss;

  // dlr stays a device scalar so the first step needs no extra synchronisation for ||g_0||; a zero
  // ||g_0|| gives dlr = 0, hence s = 0 and the skip below.
  torch::Tensor g0_sq = torch::zeros({}, torch::kDouble);
  torch::Tensor dlr;
  if (k_ == 0) {
    std::vector<torch::Tensor> sq;
    for (const auto& a : active) sq.push_back(a.grad.pow(2).sum().to(torch::kDouble));
    g0_sq = torch::stack(sq).sum();
    dlr = torch::where(g0_sq > 0, d_ * o0.lr() / g0_sq.sqrt(), torch::zeros_like(g0_sq));
  } else {
    dlr = torch::scalar_tensor(d_ * o0.lr() / g0_norm_, torch::kDouble);
  }
  std::vector<torch::Tensor> numerators, s_sq;
  for (const auto& a : active) {
    numerators.push_back((a.grad * a.state->s()).sum().to(torch::kDouble) * dlr);
    a.state->s().addcmul_(a.grad, dlr);
    s_sq.push_back(a.state->s().pow(2).sum().to(torch::kDouble));
  }
  // The one host synchronisation of the step.
  const torch::Tensor sums = torch::stack({torch::stack(numerators).sum(), torch::stack(s_sq).sum(), g0_sq}).cpu();
  const double numerator_acc = sums[0].item<double>(), s_norm_sq = sums[1].item<double>();
  if (s_norm_sq == 0) return loss;  // Guard: d^ would be 0/0.

  if (k_ == 0) g0_norm_ = std::sqrt(sums[2].item<double>());
  numerator_ += numerator_acc;
  if (o0.lr() > 0) {
    const double d_hat = 2.0 * numerator_ / std::sqrt(s_norm_sq);
    d_ = std::max(d_, std::min(d_hat, d_ * o0.growth_rate()));
  }
  for (auto& a : active) {
    a.state->step(a.state->step() + 1);
    const double c = 1.0 - a.momentum;
    a.param.mul_(1.0 - c).add_(a.state->x0() - a.state->s(), c);
  }
  ++k_;
  return loss;
}

void DAdaptSGD::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<DAdaptSGDParamState, DAdaptSGDOptions>(archive, *this);
  archive.write("dadapt/d", c10::IValue(d_));
  archive.write("dadapt/numerator", c10::IValue(numerator_));
  archive.write("dadapt/g0_norm", c10::IValue(g0_norm_));
  archive.write("dadapt/k", c10::IValue(k_));
}

void DAdaptSGD::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<DAdaptSGDParamState, DAdaptSGDOptions>(archive, *this);
  c10::IValue v;
  archive.read("dadapt/d", v), d_ = v.toDouble();
  archive.read("dadapt/numerator", v), numerator_ = v.toDouble();
  archive.read("dadapt/g0_norm", v), g0_norm_ = v.toDouble();
  archive.read("dadapt/k", v), k_ = v.toInt();
}

}  // namespace trainperf
