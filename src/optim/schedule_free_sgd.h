// Schedule-Free SGD (Defazio et al. 2024, "The Road Less Scheduled"; reference: facebookresearch/
// schedule_free, SGDScheduleFree): the Schedule-Free averaging (schedule_free.h) over plain dual
// averaging, with weight decay coupled (added to the gradient at y), as in the reference:
//   z <- z - gamma (g + wd y);  y <- b x + (1-b) z   (b = momentum)
#pragma once

#include <torch/torch.h>

#include "optim/optimizer_base.h"
#include "optim/schedule_free.h"

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

struct ScheduleFreeSGDUpdate {
  using Options = ScheduleFreeSGDOptions;
  static constexpr const char* name = "ScheduleFreeSGD";
  static void check(const Options& o) {
    TORCH_CHECK(o.momentum() >= 0 && o.momentum() < 1, name, ": invalid momentum ", o.momentum());
  }
  static double interpolation(const Options& o) { return o.momentum(); }
  static double min_lr(const Options&) { return 0.0; }
  static void init(ScheduleFreeParamState&, const torch::Tensor&, const Options&) {}
  // The reference's coupled decay: z <- z - gamma (g + wd y).
  static void descend(ScheduleFreeParamState& s, const torch::Tensor& y, const torch::Tensor& g, const Options& o,
                      double gamma, double) {
    if (o.weight_decay() != 0) s.z().add_(y, -gamma * o.weight_decay());
    s.z().add_(g, -gamma);
  }
};

extern template class ScheduleFree<ScheduleFreeSGDUpdate>;
using ScheduleFreeSGD = ScheduleFree<ScheduleFreeSGDUpdate>;

}  // namespace trainperf
