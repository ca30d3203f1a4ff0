// Prodigy (Mishchenko & Defazio 2024, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner";
// reference: github.com/konstmish/prodigy, prodigyopt 1.0). D-Adaptation Adam with a faster-growing
// estimate d of the distance to the solution, weighted towards recent gradients:
//   dlr = d lr bc (bc as in D-Adaptation, 1 without bias correction);  r <- b3 r
//   per tensor:  r += (d/d0) dlr <g, x0 - x>;  m <- b1 m + (1-b1) d g;  v <- b2 v + (1-b2) d^2 g^2
//                s <- b3 s + (d/d0) dlr g   (safeguard_warmup: d instead of dlr);  denom += ||s||_1
//   d^ = d_coef r / denom;  d_max = max(d_max, d^);  d <- min(d_max, d growth_rate)  (never decreases)
//   x <- x (1 - wd dlr) (decoupled);  x <- x - dlr m / (sqrt(v) + d eps)   (d here is the new d)
// b3 defaults to sqrt(b2). Guard: denom = 0 (no gradient yet) skips the step, as in the reference.
// One host synchronisation per step.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <limits>
#include <optional>

namespace trainperf {

struct ProdigyOptions : public torch::optim::OptimizerCloneableOptions<ProdigyOptions> {
  ProdigyOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(std::optional<double>, beta3) = std::nullopt;  // none: sqrt(beta2)
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(bool, decouple) = true;
  TORCH_ARG(bool, use_bias_correction) = false;
  TORCH_ARG(bool, safeguard_warmup) = false;
  TORCH_ARG(double, d0) = 1e-6;
  TORCH_ARG(double, d_coef) = 1.0;
  TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();

 public:
  void serialize(torch::serialize::OutputArchive& archive) const override;
  void serialize(torch::serialize::InputArchive& archive) override;
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct ProdigyParamState : public SerializedParamState<ProdigyParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, s);
  TORCH_ARG(torch::Tensor, x0);
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("s", s_), f("x0", x0_), f("exp_avg", exp_avg_), f("exp_avg_sq", exp_avg_sq_);
  }
};

class Prodigy : public OptimizerBase {
 public:
  // d is global: everything but weight_decay/decouple/eps is read from the first group's options.
  Prodigy(std::vector<torch::optim::OptimizerParamGroup> groups, ProdigyOptions defaults = {});
  Prodigy(std::vector<torch::Tensor> params, ProdigyOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  double d() const { return d_; }
  int64_t steps_taken() const { return k_; }  // steps not skipped

 private:
  double d_, d_max_;
  double numerator_ = 0.0;  // r
  int64_t k_ = 0;
};

}  // namespace trainperf
