// Muon (Jordan et al. 2024, github.com/KellerJordan/Muon) for 2-D hidden weights, with AdamW for the
// groups marked use_muon(false) (embeddings, the output head, biases and gains: the caller decides).
// Muon groups:
//   buf <- b buf + (1-b) g;  u = nesterov ? b buf + (1-b) g : buf  (4-D tensors flattened to (out, -1))
//   O = NewtonSchulz5(u): X = u / (||u||_F + 1e-7), transposed if rows > cols; 5 times
//       A = X X^T;  B = b A + c A^2;  X = a X + B X   with (a, b, c) = (3.4445, -4.7750, 2.0315)
//   x <- x (1 - lr wd) - lr max(1, rows/cols)^0.5 O
// AdamW groups: the AdamW update (optim/adamw.h) with adamw_beta1/adamw_beta2/adamw_eps.
// The orthogonalisation runs in the parameter's dtype (the reference uses bfloat16 on GPU).
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

namespace trainperf {

struct MuonOptions : public SerializedOptions<MuonOptions> {
  MuonOptions(double lr = 0.02) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(bool, use_muon) = true;
  TORCH_ARG(double, momentum) = 0.95;
  TORCH_ARG(bool, nesterov) = true;
  TORCH_ARG(int64_t, ns_steps) = 5;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(double, adamw_beta1) = 0.9;
  TORCH_ARG(double, adamw_beta2) = 0.95;
  TORCH_ARG(double, adamw_eps) = 1e-10;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("use_muon", use_muon_), f("momentum", momentum_), f("nesterov", nesterov_),
    f("ns_steps", ns_steps_), f("weight_decay", weight_decay_), f("adamw_beta1", adamw_beta1_),
    f("adamw_beta2", adamw_beta2_), f("adamw_eps", adamw_eps_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// Muon tensors use momentum_buffer; AdamW tensors step, exp_avg and exp_avg_sq (unused ones empty).
struct MuonParamState : public SerializedParamState<MuonParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, momentum_buffer);
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("momentum_buffer", momentum_buffer_), f("exp_avg", exp_avg_), f("exp_avg_sq", exp_avg_sq_);
  }
};

class Muon : public OptimizerBase {
 public:
  Muon(std::vector<torch::optim::OptimizerParamGroup> groups, MuonOptions defaults = {});
  Muon(std::vector<torch::Tensor> params, MuonOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

// The quintic Newton-Schulz iteration of a matrix towards the nearest semi-orthogonal one (U V^T).
torch::Tensor newton_schulz5(const torch::Tensor& g, int64_t steps = 5);

}  // namespace trainperf
