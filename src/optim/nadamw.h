// NAdamW: AdamW with a Nesterov look-ahead on the first moment (AlgoPerf's baseline update rule).
//   x <- x (1 - lr wd);  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
//   x <- x - lr (b1 m + (1-b1) g) / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)
// cautious (optim/cautious.h; AlgoPerf's 2026 Cautious NAdamW entry): the look-ahead b1 m + (1-b1) g is
// masked where it disagrees in sign with g and rescaled; the decay is not.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct NAdamWOptions : public SerializedOptions<NAdamWOptions> {
  NAdamWOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
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

struct NAdamWParamState : public SerializedParamState<NAdamWParamState> {
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

class NAdamW : public OptimizerBase {
 public:
  NAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, NAdamWOptions defaults = {});
  NAdamW(std::vector<torch::Tensor> params, NAdamWOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
