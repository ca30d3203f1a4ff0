#include "optim/adafactor.h"

#include <torch/optim/serialize.h>

#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

Adafactor::Adafactor(std::vector<torch::optim::OptimizerParamGroup> groups, AdafactorOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<AdafactorOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Adafactor: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "Adafactor: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "Adafactor: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "Adafactor: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.clip_threshold() > 0, "Adafactor: invalid clip threshold ", defaults.clip_threshold());
  TORCH_CHECK(defaults.weight_decay() >= 0, "Adafactor: invalid weight decay ", defaults.weight_decay());
}

Adafactor::Adafactor(std::vector<torch::Tensor> params, AdafactorOptions defaults)
    : Adafactor({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Adafactor::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdafactorOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      const bool factored = g.dim() >= 2;
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<AdafactorParamState>();
        const auto empty = torch::empty({0}, p.options());
        s->exp_avg(o.beta1() > 0 ? torch::zeros_like(p, torch::MemoryFormat::Preserve) : empty);
        if (factored) {
          std::vector<int64_t> row_shape(g.sizes().begin(), g.sizes().end() - 1);
          std::vector<int64_t> col_shape(g.sizes().begin(), g.sizes().end() - 2);
          col_shape.push_back(g.size(-1));
          s->exp_avg_sq_row(torch::zeros(row_shape, p.options()));
          s->exp_avg_sq_col(torch::zeros(col_shape, p.options()));
          s->exp_avg_sq(empty);
        } else {
          s->exp_avg_sq_row(empty);
          s->exp_avg_sq_col(empty);
          s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        }
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<AdafactorParamState&>(*it->second);
      s.step(s.step() + 1);
      const double t = static_cast<double>(s.step()), b2 = o.beta2();
      const double decay = b2 * (1.0 - std::pow(b2, t - 1.0)) / (1.0 - std::pow(b2, t));

      torch::Tensor sq = g.square().add_(o.eps());
      torch::Tensor second_moment;
      if (factored) {
        s.exp_avg_sq_row().mul_(decay).add_(sq.mean(-1), 1.0 - decay);
        s.exp_avg_sq_col().mul_(decay).add_(sq.mean(-2), 1.0 - decay);
        torch::Tensor row = s.exp_avg_sq_row() / s.exp_avg_sq_row().mean(-1, /*keepdim=*/true);
        second_moment = row.unsqueeze(-1) * s.exp_avg_sq_col().unsqueeze(-2);
      } else {
        second_moment = s.exp_avg_sq().mul_(decay).add_(sq, 1.0 - decay);
      }
      torch::Tensor update = g / second_moment.sqrt();
      torch::Tensor clip = (update.square().mean().sqrt() / o.clip_threshold()).clamp_min(1.0);
      update.div_(clip).mul_(o.lr());
      if (o.beta1() > 0) update = s.exp_avg().mul_(o.beta1()).add_(update, 1.0 - o.beta1());

      if (o.weight_decay() != 0) p.mul_(1.0 - o.lr() * o.weight_decay());
      p.sub_(update);
    }
  }
  return loss;
}

void Adafactor::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<AdafactorParamState, AdafactorOptions>(archive, *this);
}

void Adafactor::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<AdafactorParamState, AdafactorOptions>(archive, *this);
}

}  // namespace trainperf
