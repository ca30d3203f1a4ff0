// The Schedule-Free family (Defazio et al. 2024, "The Road Less Scheduled"; reference:
// facebookresearch/schedule_free), written once; a variant (schedule_free_adamw.h,
// schedule_free_sgd.h) is an update policy that says how the base sequence z descends, as in
// ensmallen's AdamType<UpdateRule>. No decay schedule: the iterate x is an online weighted average
// of z, and gradients are taken at the interpolation y:
//   gamma = max(lr min(1, (k+1)/warmup), Update::min_lr);  lr_max = max(lr_max, gamma);
//   w = (k+1)^r lr_max^p;  W += w;  c = w/W
//   z <- Update::descend(z; y, g, gamma) (weight decay included);  x <- (1-c) x + c z;  y <- b x + (1-b) z
// (b = Update::interpolation: AdamW's beta1, SGD's momentum). The parameters hold y while training;
// swap_in() loads x for evaluation and swap_out() restores y.
#pragma once

#include <torch/optim/serialize.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "optim/eval_weights.h"
#include "optim/optimizer_base.h"
#include "optim/state_key.h"

namespace trainperf {

struct ScheduleFreeParamState : public SerializedParamState<ScheduleFreeParamState> {
  TORCH_ARG(int64_t, step) = 0;  // k
  TORCH_ARG(double, lr_max) = 0.0;
  TORCH_ARG(double, weight_sum) = 0.0;
  TORCH_ARG(torch::Tensor, z);
  TORCH_ARG(torch::Tensor, x);
  TORCH_ARG(torch::Tensor, exp_avg_sq);  // AdamW's second moment; SGD keeps none

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("lr_max", lr_max_), f("weight_sum", weight_sum_), f("z", z_), f("x", x_),
    f("exp_avg_sq", if_defined(exp_avg_sq_));
  }
};

// Update supplies: Options (with lr, weight_decay, warmup_steps, r, weight_lr_power), name,
// check(options), interpolation(options), min_lr(options), init(state, p, options) and
// descend(state, y, g, options, gamma, k+1) (which applies the weight decay as its variant does).
template <class Update>
class ScheduleFree : public OptimizerBase, public EvalWeights {
 public:
  using Options = typename Update::Options;

  ScheduleFree(std::vector<torch::optim::OptimizerParamGroup> groups, Options defaults = {})
      : OptimizerBase(std::move(groups), std::make_unique<Options>(defaults)) {
    TORCH_CHECK(defaults.lr() >= 0, Update::name, ": invalid learning rate ", defaults.lr());
    Update::check(defaults);
    TORCH_CHECK(defaults.warmup_steps() >= 0, Update::name, ": invalid warmup_steps ", defaults.warmup_steps());
  }
  ScheduleFree(std::vector<torch::Tensor> params, Options defaults = {})
      : ScheduleFree({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

  // Requires the training point y in the parameters (throws after swap_in() until swap_out()).
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  void swap_in() override;   // parameters <- x
  void swap_out() override;  // parameters <- y
  bool swapped_in() const override { return at_x_; }

 private:
  // The one formula for y, used by both step() and swap_out() so that swapping back is exact.
  static void load_y(torch::Tensor& p, const ScheduleFreeParamState& s, const Options& o) {
    const double b = Update::interpolation(o);
    p.copy_(s.x()).mul_(b).add_(s.z(), 1.0 - b);
  }

  bool at_x_ = false;
};

template <class Update>
torch::Tensor ScheduleFree<Update>::step(LossClosure closure) {
  TORCH_CHECK(!at_x_, Update::name,
              "::step: the parameters hold the evaluation point x; call swap_out() before computing gradients");
  torch::NoGradGuard no_grad;
  torch::Tensor loss = loss_of(closure);
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = state_of<ScheduleFreeParamState>(p, [&](ScheduleFreeParamState& fresh) {
        fresh.z(p.detach().clone());
        fresh.x(p.detach().clone());
        Update::init(fresh, p, o);
      });
      const double k1 = static_cast<double>(s.step() + 1);
      const double warmup = o.warmup_steps() > 0 ? std::min(1.0, k1 / static_cast<double>(o.warmup_steps())) : 1.0;
      const double gamma = std::max(o.lr() * warmup, Update::min_lr(o));
      s.lr_max(std::max(s.lr_max(), gamma));
      const double weight = std::pow(k1, o.r()) * std::pow(s.lr_max(), o.weight_lr_power());
      s.weight_sum(s.weight_sum() + weight);
      // lr = 0 from the start gives W = 0: keep x where it is rather than divide by zero.
      const double c = s.weight_sum() > 0 ? weight / s.weight_sum() : 0.0;

      Update::descend(s, p, p.grad(), o, gamma, k1);
      s.x().mul_(1.0 - c).add_(s.z(), c);
      load_y(p, s, o);
      s.step(s.step() + 1);
    }
  }
  return loss;
}

template <class Update>
void ScheduleFree<Update>::swap_in() {
  if (at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_)
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) p.copy_(static_cast<ScheduleFreeParamState&>(*it->second).x());
    }
  at_x_ = true;
}

template <class Update>
void ScheduleFree<Update>::swap_out() {
  if (!at_x_) return;
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const Options&>(group.options());
    for (auto& p : group.params()) {
      auto it = state_.find(state_key(p));
      if (it != state_.end()) load_y(p, static_cast<ScheduleFreeParamState&>(*it->second), o);
    }
  }
  at_x_ = false;
}

template <class Update>
void ScheduleFree<Update>::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<ScheduleFreeParamState, Options>(archive, *this);
  archive.write("schedule_free/at_x", c10::IValue(at_x_));
}

template <class Update>
void ScheduleFree<Update>::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<ScheduleFreeParamState, Options>(archive, *this);
  c10::IValue v;
  at_x_ = archive.try_read("schedule_free/at_x", v) && v.toBool();
}

}  // namespace trainperf
