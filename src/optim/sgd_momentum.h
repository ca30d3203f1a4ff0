// SGD with heavy-ball or Nesterov momentum and coupled (L2) weight decay: the semantics of
// torch.optim.SGD(momentum=mu, dampening=0, nesterov) that AlgoPerf's PyTorch momentum and Nesterov
// baselines use (optax.sgd after add_decayed_weights in JAX is the same update).
//   d <- g + wd x;  buf <- mu buf + d;  d <- nesterov ? d + mu buf : buf;  x <- x - lr d
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct SGDMomentumOptions : public SerializedOptions<SGDMomentumOptions> {
  SGDMomentumOptions(double lr = 1e-2) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(bool, nesterov) = false;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("momentum", momentum_), f("weight_decay", weight_decay_), f("nesterov", nesterov_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct SGDMomentumParamState : public SerializedParamState<SGDMomentumParamState> {
  TORCH_ARG(torch::Tensor, momentum_buffer);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("momentum_buffer", momentum_buffer_);
  }
};

class SGDMomentum : public OptimizerBase {
 public:
  SGDMomentum(std::vector<torch::optim::OptimizerParamGroup> groups, SGDMomentumOptions defaults = {});
  SGDMomentum(std::vector<torch::Tensor> params, SGDMomentumOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
