// Distributed Shampoo (Gupta et al. 2018; Anil et al. 2020; Shi et al. 2023), as the AlgoPerf v0.5
// external-tuning winner runs it on one device.
// Per tensor: merge small dims and cut into blocks with every dim <= max_preconditioner_dim; per block
// of order k, one Kronecker factor per mode:
//   L_i <- b2 L_i + (1-b2) G_(i) G_(i)^T
// Adam grafting and a NAdam first moment on the whole tensor:
//   a <- b2 a + (1-b2) g^2;  f <- b1 f + (1-b1) g;  f^ = (b1 f + (1-b1) g) / (1 - b1^t)
//   grafted = f^ / (sqrt(a / (1 - b2^t)) + eps)
// Every precondition_frequency steps each factor's inverse root is recomputed: L^ = L / (1 - b2^t),
// eigendecomposed (in fp32, or the factor's dtype if wider; retried in fp64 on failure; the previous
// root kept if that fails too), eigenvalues shifted so the smallest is >= 0, plus eps, and
// R_i = L^^(-1/(2k)). Per block: P = f^ x_1 R_1 ... x_k R_k, rescaled to the grafted block's norm.
// Until a tensor's first roots exist, and for tensors with a dim >= grafting_only_dim (embeddings),
// the direction is the grafted one.  x <- x (1 - lr wd) - lr dir.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"

#include <vector>

namespace trainperf {

struct ShampooOptions : public SerializedOptions<ShampooOptions> {
  ShampooOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;  // added to the shifted eigenvalues and to the grafting denominator
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(int64_t, precondition_frequency) = 100;
  TORCH_ARG(int64_t, max_preconditioner_dim) = 1024;
  TORCH_ARG(int64_t, grafting_only_dim) = 1000000;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("beta1", beta1_), f("beta2", beta2_), f("eps", eps_), f("weight_decay", weight_decay_),
    f("precondition_frequency", precondition_frequency_), f("max_preconditioner_dim", max_preconditioner_dim_),
    f("grafting_only_dim", grafting_only_dim_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// factors[b * k + i] is block b's factor for mode i (block order as in ShampooLayout); roots is empty
// until the first successful inverse-root computation of every factor, then parallel to factors.
struct ShampooParamState : public SerializedParamState<ShampooParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);
  TORCH_ARG(std::vector<torch::Tensor>, factors);
  TORCH_ARG(std::vector<torch::Tensor>, roots);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h; the lists as "factor_count",
  // "factor_0", ...).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("exp_avg", exp_avg_), f("exp_avg_sq", exp_avg_sq_), f("factor", factors_), f("root", roots_);
  }
};

// How a tensor is preconditioned: its merged shape and the blocks cut from it (row-major order).
struct ShampooLayout {
  struct Block {
    std::vector<int64_t> start, size;  // per merged dim
  };
  std::vector<int64_t> merged_shape;
  std::vector<Block> blocks;
  int64_t order() const { return static_cast<int64_t>(merged_shape.size()); }
};

// Size-1 dims dropped, neighbours merged while their product stays <= max_dim (Distributed Shampoo's
// merge_small_dims), then every dim cut into chunks of max_dim.
ShampooLayout shampoo_layout(torch::IntArrayRef shape, int64_t max_dim);

class Shampoo : public OptimizerBase {
 public:
  Shampoo(std::vector<torch::optim::OptimizerParamGroup> groups, ShampooOptions defaults = {});
  Shampoo(std::vector<torch::Tensor> params, ShampooOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // Inverse roots retried in fp64 after the first attempt failed, and roots that failed in fp64 too
  // (the previous root was kept). Not part of the checkpoint.
  int64_t fp64_retries() const { return fp64_retries_; }
  int64_t root_failures() const { return root_failures_; }

 private:
  torch::Tensor inverse_root(const torch::Tensor& factor, double bias_correction, int64_t order, double eps);

  int64_t fp64_retries_ = 0, root_failures_ = 0;
};

}  // namespace trainperf
