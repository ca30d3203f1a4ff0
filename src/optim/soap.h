// SOAP (Vyas et al. 2024, "SOAP: Improving and Stabilizing Shampoo using Adam";
// github.com/nikhilvyas/SOAP): Adam run in the eigenbasis of Shampoo's factors.
// Per dim i of size <= max_precond_dim (1-D tensors only with precondition_1d), a factor
//   GG_i <- sb GG_i + (1-sb) G_(i) G_(i)^T   (sb = shampoo_beta, or beta2 when negative)
// and an orthogonal basis Q_i; other dims are left as they are. With G' = G x_1 Q_1 ... (projection):
//   m <- b1 m + (1-b1) G';  v <- b2 v + (1-b2) G'^2   (both kept in the current basis)
//   x <- x - lr sqrt(1 - b2^t) / (1 - b1^t) * (m / (sqrt(v) + eps)) x_1 Q_1^T ...;  x <- x (1 - lr wd)
// The first step only builds GG and Q = eigenvectors(GG) (descending) and leaves x alone, so the
// projection never uses the current gradient; GG is updated after each step. Every
// precondition_frequency steps the basis is refreshed by one power iteration and a QR decomposition,
// columns ordered by the estimated eigenvalues diag(Q^T GG Q) (v permuted along), and m moved into
// the new basis. Decompositions run in fp32, or in the factor's dtype when it is wider.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <vector>

namespace trainperf {

struct SOAPOptions : public SerializedOptions<SOAPOptions> {
  SOAPOptions(double lr = 3e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.95;
  TORCH_ARG(double, beta2) = 0.95;
  TORCH_ARG(double, shampoo_beta) = -1.0;  // < 0: beta2
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.01;
  TORCH_ARG(int64_t, precondition_frequency) = 10;
  TORCH_ARG(int64_t, max_precond_dim) = 10000;
  TORCH_ARG(bool, precondition_1d) = false;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("shampoo_beta", shampoo_beta_), f("eps", eps_),
    f("weight_decay", weight_decay_), f("precondition_frequency", precondition_frequency_),
    f("max_precond_dim", max_precond_dim_), f("precondition_1d", precondition_1d_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// gg[i] and q[i] per dim of the tensor (empty tensors for dims left unpreconditioned); created by the
// first step, which does nothing else.
struct SOAPParamState : public SerializedParamState<SOAPParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);
  TORCH_ARG(std::vector<torch::Tensor>, gg);
  TORCH_ARG(std::vector<torch::Tensor>, q);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h; the lists as "gg_count",
  // "gg_0", ...).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("exp_avg", exp_avg_), f("exp_avg_sq", exp_avg_sq_), f("gg", gg_), f("q", q_);
  }
};

class SOAP : public OptimizerBase {
 public:
  SOAP(std::vector<torch::optim::OptimizerParamGroup> groups, SOAPOptions defaults = {});
  SOAP(std::vector<torch::Tensor> params, SOAPOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace trainperf
