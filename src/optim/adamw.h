// AdamW (Loshchilov & Hutter 2019), the update of torch.optim.AdamW:
//   x <- x (1 - lr wd);  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
//   x <- x - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// cautious (C-AdamW, optim/cautious.h): m in the last line is masked where m g <= 0 and rescaled.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct AdamWOptions : public SerializedOptions<AdamWOptions> {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 1e-2;  // torch.optim.AdamW's default
  TORCH_ARG(bool, cautious) = false;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_),
        f("cautious", cautious_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct AdamWParamState : public SerializedParamState<AdamWParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("exp_avg", exp_avg_), f("exp_avg_sq", exp_avg_sq_);
  }
};

class AdamW : public OptimizerBase {
 public:
  AdamW(std::vector<torch::optim::OptimizerParamGroup> groups, AdamWOptions defaults = {});
  AdamW(std::vector<torch::Tensor> params, AdamWOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

// One AdamW update of `p` with gradient `g` and moments `m`, `v` at step t (from 1); shared with the
// optimizers that use AdamW for some of their tensors (Muon).
void adamw_update(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, int64_t t, double lr,
                  double beta1, double beta2, double eps, double weight_decay, bool cautious = false);

}  // namespace trainperf
