// Sharpness-Aware Minimization (Foret et al. 2021) wrapping any base optimizer:
//   e = rho g / (||g|| + 1e-12)   (||.|| over all parameters)
//   g' = gradient at x + e;  x <- x (restored);  base step with g'
// Two forward/backward passes per step. step(closure) runs the whole update: the current gradients
// are the first pass's, the closure recomputes the loss and gradients (at x + e). A training loop that
// owns its passes calls perturb(), computes the second gradients itself, then restore_and_step().
// The second pass must not update BatchNorm statistics a second time (Workload::model_fn with
// update_batch_norm = false). The wrapper's learning rate is forwarded to the base optimizer before
// its step, so schedules act on the wrapper as on any optimizer.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <memory>

namespace trainperf {

struct SAMOptions : public SerializedOptions<SAMOptions> {
  SAMOptions(double rho = 0.05) : rho_(rho) {}
  TORCH_ARG(double, rho);
  TORCH_ARG(double, lr) = 0.0;  // forwarded to the base optimizer's group; set from it on construction

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("rho", rho_), f("lr", lr_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// The perturbation currently applied to the parameter (zero outside a step).
struct SAMParamState : public SerializedParamState<SAMParamState> {
  TORCH_ARG(torch::Tensor, perturbation);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("perturbation", perturbation_);
  }
};

class SAM : public OptimizerBase {
 public:
  // The wrapper has one group per base group, over the same tensors, with the base group's lr.
  SAM(std::unique_ptr<torch::optim::Optimizer> base, SAMOptions defaults = {});

  // perturb() with the current (first-pass) gradients, zero them, run the closure (loss and gradients
  // at x + e), restore_and_step(); returns the closure's loss. The closure is required.
  torch::Tensor step(LossClosure closure = nullptr) override;
  void perturb();           // x <- x + e from the current gradients
  void restore_and_step();  // x <- x - e, then the base step with the current gradients

  torch::optim::Optimizer& base() { return *base_; }
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  std::unique_ptr<torch::optim::Optimizer> base_;
};

}  // namespace trainperf
