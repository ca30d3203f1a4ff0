#include "optim/schedule_free_adamw.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

ScheduleFreeAdamW::ScheduleFreeAdamW(std::vector<torch::optim::OptimizerParamGroup> groups,
                                     ScheduleFreeAdamWOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<ScheduleFreeAdamWOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "ScheduleFreeAdamW: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.eps() >= 0, "ScheduleFreeAdamW: invalid epsilon ", defaults.eps());
  TORCH_CHECK(defaults.beta1() >= 0 && defaults.beta1() < 1, "ScheduleFreeAdamW: invalid beta1 ", defaults.beta1());
  TORCH_CHECK(defaults.beta2() >= 0 && defaults.beta2() < 1, "ScheduleFreeAdamW: invalid beta2 ", defaults.beta2());
  TORCH_CHECK(defaults.warmup_steps() >= 0, "ScheduleFreeAdamW: invalid warmup_steps ", defaults.warmup_steps());
}

ScheduleFreeAdamW::ScheduleFreeAdamW(std::vector<torch::Tensor> params, ScheduleFreeAdamWOptions defaults)
    : ScheduleFreeAdamW({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

namespace {
// The one formula for y, used by both step() and swap_out() so that swapping back is exact.
void load_y_adamw(torch::Tensor& p, const ScheduleFreeAdamWParamState& s, double beta1) {
  p.copy_(s.x()).mul_(beta1).add_(s.z(), 1.0 - beta1);
}
}  // namespace

torch::Tensor ScheduleFreeAdamW::step(LossClosure closure) {
  TORCH_CHECK(!at_x_,
              "ScheduleFreeAdamW::step: the parameters hold the evaluation point x; call swap_out() "
              "before computing gradients");
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ScheduleFreeAdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<ScheduleFreeAdamWParamState>();
        s->z(p.detach().clone());
        s->x(p.detach().clone());
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<ScheduleFreeAdamWParamState&>(*it->second);
      const double k1 = static_cast<double>(s.step() + 1);
      const double warmup = o.warmup_steps() > 0 ? std::min(1.0, k1 / static_cast<double>(o.warmup_steps())) : 1.0;
      const double gamma = o.lr() * warmup;
      s.lr_max(std::max(s.lr_max(), gamma));
      const double weight = std::pow(k1, o.r()) * std::pow(s.lr_max(), o.weight_lr_power());
      s.weight_sum(s.weight_sum() + weight);
      // lr = 0 from the start gives W = 0: keep x where it is rather than divide by zero.
      const double c = s.weight_sum() > 0 ? weight / s.weight_sum() : 0.0;
      const double bc2 = 1.0 - std::pow(o.beta2(), k1);

      if (o.weight_decay() != 0) s.z().add_(p, -gamma * o.weight_decay());  // decay at y
      s.exp_avg_sq().mul_(o.beta2()).addcmul_(g, g, 1.0 - o.beta2());
      torch::Tensor denom = s.exp_avg_sq().div(bc2).sqrt_().add_(o.eps());
      s.z().addcdiv_(g, denom, -gamma);
      s.x().mul_(1.0 - c).add_(s.z(), c);
      load_y_adamw(p, s, o.beta1());
      s.step(s.step() + 1);
    }
  }
  return loss;
}

void ScheduleFreeAdamW::swap_in() {
  if (at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_)
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) p.copy_(static_cast<ScheduleFreeAdamWParamState&>(*it->second).x());
    }
  at_x_ = true;
}

void ScheduleFreeAdamW::swap_out() {
  if (!at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ScheduleFreeAdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) load_y_adamw(p, static_cast<ScheduleFreeAdamWParamState&>(*it->second), o.beta1());
    }
  }
  at_x_ = false;
}

void ScheduleFreeAdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<ScheduleFreeAdamWParamState, ScheduleFreeAdamWOptions>(archive, *this);
  archive.write("schedule_free/at_x", c10::IValue(at_x_));
}

void ScheduleFreeAdamW::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<ScheduleFreeAdamWParamState, ScheduleFreeAdamWOptions>(archive, *this);
  c10::IValue v;
  at_x_ = archive.try_read("schedule_free/at_x", v) && v.toBool();
}

}  // namespace trainperf
