// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as google/automl's
// lion_pytorch.py and AlgoPerf's Lion baseline:
//   x <- x (1 - lr wd);  x <- x - lr sign(b1 m + (1-b1) g);  m <- b2 m + (1-b2) g
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct LionOptions : public SerializedOptions<LionOptions> {
  LionOptions(double lr = 1e-4) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.99;
  TORCH_ARG(double, weight_decay) = 0.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("weight_decay", weight_decay_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct LionParamState : public SerializedParamState<LionParamState> {
  TORCH_ARG(torch::Tensor, exp_avg);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("exp_avg", exp_avg_);
  }
};

class Lion : public OptimizerBase {
 public:
  Lion(std::vector<torch::optim::OptimizerParamGroup> groups, LionOptions defaults = {});
  Lion(std::vector<torch::Tensor> params, LionOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
