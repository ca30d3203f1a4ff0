// Mechanic (Cutkosky, Defazio & Mehta 2023, "Mechanic: A Learning Rate Tuner"; reference:
// optax.contrib.mechanize). Wraps a base optimizer and learns a global scale S for its updates with
// a bank of parameter-free online learners, one per beta_j = 1 - 10^-j (j = 1..num_betas):
//   u = the base optimizer's update at x;  h = <Delta, g + lambda S (||g|| / (||x|| + eps)) x>  (old Delta, S)
//   Delta += u;  m_j = max(b_j m_j, |h|);  v_j = b_j^2 v_j + h^2;  r_j = max(0, b_j r_j - s_j h)
//   s_j = (s_init / num_betas * m_j + r_j) / (sqrt(v_j) + eps);  S = sum_j s_j;  x = x_ref + S Delta
// x_ref is the parameter value at the first step; s_j start at s_init, m_j at 0. The lr option is
// the base optimizer's learning rate, forwarded to it before each base step (so schedules apply to the
// base). The eps in the decay term guards a zero parameter norm (as optax does). No host synchronisation.
// Two options reproduce optimizedlearning/mechanic (`mechanic_pytorch.mechanize`, the authors'
// PyTorch package) exactly:
//   store_delta = false: Delta is not kept but recomputed as (x - x_ref) / (S + eps) (one tensor per
//     parameter less; the package's default);
//   as_mechanic_pytorch = true: s_j start at 0 and m_j at 1e-6 (so after the first step S is about
//     100 s_init / eps * 1e-8, not 0), and the x and ||x|| of h are read after the base step.
// The defaults are the equations of shared/spec/training-algorithms.md (stored Delta, s_j(0) = s_init).
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <functional>
#include <memory>

namespace trainperf {

using OptimizerFactory = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>;

// NAdamW with its defaults: the base Mechanic uses unless told otherwise.
std::unique_ptr<torch::optim::Optimizer> default_mechanic_base(std::vector<torch::Tensor> params);

struct MechanicOptions : public SerializedOptions<MechanicOptions> {
  MechanicOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);                   // forwarded to the base optimizer
  TORCH_ARG(double, weight_decay) = 0.01;  // lambda; independent of any decay inside the base
  TORCH_ARG(double, s_init) = 1e-8;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(int64_t, num_betas) = 6;
  TORCH_ARG(bool, store_delta) = true;           // false: Delta recomputed from x (mechanic_pytorch's default)
  TORCH_ARG(bool, as_mechanic_pytorch) = false;  // the package's initial state and post-base-step x in h
  TORCH_ARG(OptimizerFactory, base) = default_mechanic_base;  // not serialized: code, not state

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("weight_decay", weight_decay_), f("s_init", s_init_), f("eps", eps_),
    f("num_betas", num_betas_), f("store_delta", store_delta_), f("as_mechanic_pytorch", as_mechanic_pytorch_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct MechanicParamState : public SerializedParamState<MechanicParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, x_ref);
  TORCH_ARG(torch::Tensor, delta);  // sum of the base updates; undefined unless store_delta

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("x_ref", x_ref_), f("delta", if_defined(delta_));
  }
};

class Mechanic : public OptimizerBase {
 public:
  // The scale is global: lambda, s_init, eps, num_betas, base and lr come from the first group's
  // options; the base optimizer is built over all parameters.
  Mechanic(std::vector<torch::optim::OptimizerParamGroup> groups, MechanicOptions defaults = {});
  Mechanic(std::vector<torch::Tensor> params, MechanicOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  torch::Tensor scale() const { return s_.sum(); }  // S, a float64 scalar tensor
  torch::optim::Optimizer& base() { return *base_; }

 private:
  std::unique_ptr<torch::optim::Optimizer> base_;
  torch::Tensor betas_, s_, r_, v_, m_;  // float64, one entry per beta
};

}  // namespace trainperf
