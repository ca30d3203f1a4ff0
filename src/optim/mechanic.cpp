#include "optim/mechanic.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/nadamw.h"
#include "optim/state_key.h"

namespace trainperf {

std::unique_ptr<torch::optim::Optimizer> default_mechanic_base(std::vector<torch::Tensor> params) {
  return std::make_unique<NAdamW>(std::move(params));
}

Mechanic::Mechanic(std::vector<torch::optim::OptimizerParamGroup> groups, MechanicOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<MechanicOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Mechanic: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.num_betas() >= 1, "Mechanic: num_betas must be >= 1, got ", defaults.num_betas());
  TORCH_CHECK(defaults.eps() > 0, "Mechanic: eps must be positive, got ", defaults.eps());
  TORCH_CHECK(static_cast<bool>(defaults.base()), "Mechanic: no base optimizer factory");
  const auto& o = static_cast<const MechanicOptions&>(param_groups_.front().options());
  std::vector<torch::Tensor> all;
  for (auto& group : param_groups_)
    for (auto& p : group.params()) all.push_back(p);
  base_ = o.base()(all);
  const int64_t n = o.num_betas();
  std::vector<double> betas;
  for (int64_t j = 1; j <= n; ++j) betas.push_back(1.0 - std::pow(10.0, -static_cast<double>(j)));
  const torch::Device device = all.empty() ? torch::Device(torch::kCPU) : all.front().device();
  const auto f64 = torch::TensorOptions().dtype(torch::kDouble).device(device);
  betas_ = torch::tensor(betas, torch::kDouble).to(device);
  // mechanic_pytorch starts the scales at 0 and the largest |h| at 1e-6 (its `max_product`).
  s_ = o.as_mechanic_pytorch() ? torch::zeros({n}, f64) : torch::full({n}, o.s_init(), f64);
  r_ = torch::zeros({n}, f64);
  v_ = torch::zeros({n}, f64);
  m_ = o.as_mechanic_pytorch() ? torch::full({n}, 1e-6, f64) : torch::zeros({n}, f64);
}

Mechanic::Mechanic(std::vector<torch::Tensor> params, MechanicOptions defaults)
    : Mechanic({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Mechanic::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const auto& o = static_cast<const MechanicOptions&>(param_groups_.front().options());
  const torch::Tensor scale_before = s_.sum();
  struct Active {
    torch::Tensor param;
    MechanicParamState* state;
    torch::Tensor before;
    torch::Tensor delta;  // the old Delta (stored, or recomputed from x); the new one after the base step
  };
  std::vector<Active> active;
  std::vector<torch::Tensor> g_sq, delta_g;
  for (auto& group : param_groups_) {
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<MechanicParamState>();
        s->x_ref(p.detach().clone());
        if (o.store_delta()) s->delta(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto* s = static_cast<MechanicParamState*>(it->second.get());
      torch::Tensor delta = o.store_delta() ? s->delta() : (p - s->x_ref()) / (scale_before + o.eps());
      const torch::Tensor& g = p.grad();
      g_sq.push_back(g.pow(2).sum().to(torch::kDouble));
      delta_g.push_back((delta * g).sum().to(torch::kDouble));
      active.push_back({p, s, p.detach().clone(), std::move(delta)});
    }
  }
  if (active.empty()) return loss;

  // The x of h: before the base step (the equations), or after it (mechanic_pytorch).
  std::vector<torch::Tensor> x_sq, delta_x;
  const auto read_x = [&] {
    for (const auto& a : active) {
      x_sq.push_back(a.param.pow(2).sum().to(torch::kDouble));
      delta_x.push_back((a.delta * a.param).sum().to(torch::kDouble));
    }
  };
  if (!o.as_mechanic_pytorch()) read_x();
  for (auto& group : base_->param_groups()) group.options().set_lr(o.lr());
  base_->step();
  if (o.as_mechanic_pytorch()) read_x();

  const torch::Tensor decay =
      o.weight_decay() * scale_before * torch::stack(g_sq).sum().sqrt() / (torch::stack(x_sq).sum().sqrt() + o.eps());
  const torch::Tensor h = torch::stack(delta_g).sum() + decay * torch::stack(delta_x).sum();
  for (auto& a : active) a.delta.add_(a.param).sub_(a.before);  // Delta += u (in the state when stored)

  m_ = torch::maximum(betas_ * m_, h.abs());
  v_ = betas_.pow(2) * v_ + h.pow(2);
  r_ = (betas_ * r_ - s_ * h).clamp_min(0.0);
  s_ = (o.s_init() / static_cast<double>(o.num_betas()) * m_ + r_) / (v_.sqrt() + o.eps());
  const torch::Tensor scale_after = s_.sum();
  for (auto& a : active) {
    a.state->step(a.state->step() + 1);
    a.param.copy_(a.state->x_ref()).addcmul_(a.delta, scale_after);
  }
  return loss;
}

void Mechanic::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<MechanicParamState, MechanicOptions>(archive, *this);
  archive.write("mechanic/s", s_, /*is_buffer=*/true);
  archive.write("mechanic/r", r_, /*is_buffer=*/true);
  archive.write("mechanic/v", v_, /*is_buffer=*/true);
  archive.write("mechanic/m", m_, /*is_buffer=*/true);
  torch::serialize::OutputArchive base_archive;
  base_->save(base_archive);
  archive.write("mechanic/base", base_archive);
}

void Mechanic::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<MechanicParamState, MechanicOptions>(archive, *this);
  archive.read("mechanic/s", s_, /*is_buffer=*/true);
  archive.read("mechanic/r", r_, /*is_buffer=*/true);
  archive.read("mechanic/v", v_, /*is_buffer=*/true);
  archive.read("mechanic/m", m_, /*is_buffer=*/true);
  torch::serialize::InputArchive base_archive;
  archive.read("mechanic/base", base_archive);
  base_->load(base_archive);
}

}  // namespace trainperf
