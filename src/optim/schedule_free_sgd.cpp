#include "optim/schedule_free_sgd.h"

#include <torch/optim/serialize.h>

#include <algorithm>
#include <cmath>

#include "optim/state_key.h"

namespace trainperf {

ScheduleFreeSGD::ScheduleFreeSGD(std::vector<torch::optim::OptimizerParamGroup> groups, ScheduleFreeSGDOptions defaults)
    : OptimizerBase(std::move(groups), std::make_unique<ScheduleFreeSGDOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "ScheduleFreeSGD: invalid learning rate ", defaults.lr());
  TORCH_CHECK(defaults.momentum() >= 0 && defaults.momentum() < 1, "ScheduleFreeSGD: invalid momentum ",
              defaults.momentum());
  TORCH_CHECK(defaults.warmup_steps() >= 0, "ScheduleFreeSGD: invalid warmup_steps ", defaults.warmup_steps());
}

ScheduleFreeSGD::ScheduleFreeSGD(std::vector<torch::Tensor> params, ScheduleFreeSGDOptions defaults)
    : ScheduleFreeSGD({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

namespace {
// The one formula for y, used by both step() and swap_out() so that swapping back is exact.
void load_y_sgd(torch::Tensor& p, const ScheduleFreeSGDParamState& s, double momentum) {
  p.copy_(s.x()).mul_(momentum).add_(s.z(), 1.0 - momentum);
}
}  // namespace

torch::Tensor ScheduleFreeSGD::step(LossClosure closure) {
  TORCH_CHECK(!at_x_,
              "ScheduleFreeSGD::step: the parameters hold the evaluation point x; call swap_out() "
              "before computing gradients");
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ScheduleFreeSGDOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto it = state_.find(state_key(p));
      if (it == state_.end()) {
        auto s = std::make_unique<ScheduleFreeSGDParamState>();
        s->z(p.detach().clone());
        s->x(p.detach().clone());
        it = state_.insert({state_key(p), std::move(s)}).first;
      }
      auto& s = static_cast<ScheduleFreeSGDParamState&>(*it->second);
      const double k1 = static_cast<double>(s.step() + 1);
      const double warmup = o.warmup_steps() > 0 ? std::min(1.0, k1 / static_cast<double>(o.warmup_steps())) : 1.0;
      const double gamma = o.lr() * warmup;
      s.lr_max(std::max(s.lr_max(), gamma));
      const double weight = std::pow(k1, o.r()) * std::pow(s.lr_max(), o.weight_lr_power());
      s.weight_sum(s.weight_sum() + weight);
      const double c = s.weight_sum() > 0 ? weight / s.weight_sum() : 0.0;

      if (o.weight_decay() != 0) s.z().add_(p, -gamma * o.weight_decay());  // coupled decay, at y
      s.z().add_(g, -gamma);
      s.x().mul_(1.0 - c).add_(s.z(), c);
      load_y_sgd(p, s, o.momentum());
      s.step(s.step() + 1);
    }
  }
  return loss;
}

void ScheduleFreeSGD::swap_in() {
  if (at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_)
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) p.copy_(static_cast<ScheduleFreeSGDParamState&>(*it->second).x());
    }
  at_x_ = true;
}

void ScheduleFreeSGD::swap_out() {
  if (!at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ScheduleFreeSGDOptions&>(group.options());
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) load_y_sgd(p, static_cast<ScheduleFreeSGDParamState&>(*it->second), o.momentum());
    }
  }
  at_x_ = false;
}

void ScheduleFreeSGD::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<ScheduleFreeSGDParamState, ScheduleFreeSGDOptions>(archive, *this);
  archive.write("schedule_free/at_x", c10::IValue(at_x_));
}

void ScheduleFreeSGD::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<ScheduleFreeSGDParamState, ScheduleFreeSGDOptions>(archive, *this);
  c10::IValue v;
  at_x_ = archive.try_read("schedule_free/at_x", v) && v.toBool();
}

}  // namespace trainperf
