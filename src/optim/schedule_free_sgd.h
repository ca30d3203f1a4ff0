// Schedule-Free SGD (Defazio et al. 2024, "The Road Less Scheduled"; reference: facebookresearch/
// schedule_free, SGDScheduleFree). The same averaging as Schedule-Free AdamW without the second
// moment; weight decay is coupled (added to the gradient at y), as in the reference.
//   gamma = lr min(1, (k+1)/warmup);  lr_max = max(lr_max, gamma);  w = (k+1)^r lr_max^p;  W += w;  c = w/W
//   z <- z - gamma (g + wd y);  x <- (1-c) x + c z;  y <- b x + (1-b) z   (b = momentum)
// The parameters hold y while training; swap_in() loads x for evaluation and swap_out() restores y.
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"
#include "optim/eval_weights.h"

namespace trainperf {

struct ScheduleFreeSGDOptions : public SerializedOptions<ScheduleFreeSGDOptions> {
  ScheduleFreeSGDOptions(double lr = 1.0) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(int64_t, warmup_steps) = 0;
  TORCH_ARG(double, r) = 0.0;
  TORCH_ARG(double, weight_lr_power) = 2.0;

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("lr", lr_), f("momentum", momentum_), f("weight_decay", weight_decay_), f("warmup_steps", warmup_steps_),
    f("r", r_), f("weight_lr_power", weight_lr_power_);
  }
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct ScheduleFreeSGDParamState : public SerializedParamState<ScheduleFreeSGDParamState> {
  TORCH_ARG(int64_t, step) = 0;  // k
  TORCH_ARG(double, lr_max) = 0.0;
  TORCH_ARG(double, weight_sum) = 0.0;
  TORCH_ARG(torch::Tensor, z);
  TORCH_ARG(torch::Tensor, x);

 public:
  // The serialized fields, in order (written and read by optimizer_base.h).
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("lr_max", lr_max_), f("weight_sum", weight_sum_), f("z", z_), f("x", x_);
  }
};

class ScheduleFreeSGD : public OptimizerBase, public EvalWeights {
 public:
  ScheduleFreeSGD(std::vector<torch::optim::OptimizerParamGroup> groups, ScheduleFreeSGDOptions defaults = {});
  ScheduleFreeSGD(std::vector<torch::Tensor> params, ScheduleFreeSGDOptions defaults = {});

  // Requires the training point y in the parameters (throws after swap_in() until swap_out()).
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  void swap_in() override;   // parameters <- x
  void swap_out() override;  // parameters <- y = b x + (1-b) z
  bool swapped_in() const override { return at_x_; }

 private:
  bool at_x_ = false;
};

}  // namespace trainperf
