// Adafactor (Shazeer & Stern 2018) as AlgoPerf's PyTorch Adafactor baseline runs it: factored second
// moments for tensors with >= 2 dims (over the last two), Adam-style decay, update clipping by RMS,
// momentum on the scaled update, decoupled weight decay.
//   b^ = b2 (1 - b2^(t-1)) / (1 - b2^t);  s = g^2 + eps (eps = 1e-30 keeps all-zero rows finite)
//   factored: r <- b^ r + (1-b^) mean_col(s);  c <- b^ c + (1-b^) mean_row(s);  V = (r / mean(r)) c^T
//   otherwise: V <- b^ V + (1-b^) s
//   u = g / sqrt(V);  u <- lr u / max(1, RMS(u) / clip_threshold)
//   m <- b1 m + (1-b1) u (m = u when b1 = 0);  x <- x (1 - lr wd) - m
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct AdafactorOptions : public SerializedOptions<AdafactorOptions> {
  AdafactorOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;  // 0: no momentum (and no momentum buffer)
  TORCH_ARG(double, beta2) = 0.99;
  TORCH_ARG(double, eps) = 1e-30;
  TORCH_ARG(double, clip_threshold) = 1.0;
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("clip_threshold", clip_threshold_),
    f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// Factored tensors keep exp_avg_sq_row (shape[:-1]) and exp_avg_sq_col (shape[:-2] + shape[-1:]);
// the others exp_avg_sq (the full shape). Unused entries are empty tensors.
struct AdafactorParamState : public SerializedParamState<AdafactorParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq_row);
  TORCH_ARG(torch::Tensor, exp_avg_sq_col);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("exp_avg", exp_avg_), f("exp_avg_sq_row", exp_avg_sq_row_),
    f("exp_avg_sq_col", exp_avg_sq_col_), f("exp_avg_sq", exp_avg_sq_);
  }
};

class Adafactor : public OptimizerBase {
 public:
  Adafactor(std::vector<torch::optim::OptimizerParamGroup> groups, AdafactorOptions defaults = {});
  Adafactor(std::vector<torch::Tensor> params, AdafactorOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
