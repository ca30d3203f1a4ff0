// LAMB (You et al. 2020), as AlgoPerf's LAMB baseline: Adam moments with bias correction, the
// weight decay inside the update, and a per-tensor trust ratio.
//   m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
//   u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + wd x
//   trust = ||x|| / ||u||, or 1 when either norm is 0;  x <- x - lr trust u
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct LAMBOptions : public SerializedOptions<LAMBOptions> {
  LAMBOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-6;
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct LAMBParamState : public SerializedParamState<LAMBParamState> {
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

class LAMB : public OptimizerBase {
 public:
  LAMB(std::vector<torch::optim::OptimizerParamGroup> groups, LAMBOptions defaults = {});
  LAMB(std::vector<torch::Tensor> params, LAMBOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

// ||x|| / ||u|| as a 0-dim tensor, 1 where either norm is 0 (a zero-initialised tensor, or a zero
// update, must not stall or blow up); no host synchronisation.
torch::Tensor lamb_trust_ratio(const torch::Tensor& x, const torch::Tensor& u);

}  // namespace trainperf
