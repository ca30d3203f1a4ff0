// Learning-rate schedules as small value objects: multiplier(t) of the peak learning rate, where t is
// the number of updates already applied (the first update sees t = 0, as in AlgoPerf's baselines).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double multiplier(int64_t t) const = 0;
};

// Linear warmup over W = int(warmup_factor * S) steps, then cosine to 0 at S, then 0 (clamped).
class WarmupCosine final : public Schedule {
 public:
  WarmupCosine(int64_t total_steps, double warmup_factor);
  double multiplier(int64_t t) const override;
  int64_t warmup_steps() const { return warmup_; }

 private:
  int64_t total_, warmup_;
};

// AlgoPerf's PyTorch baselines' schedule (`pytorch_cosine_warmup`: torch's LinearLR from
// start_factor 1e-10 over W = int(warmup_factor * S) steps, then CosineAnnealingLR with
// T_max = max(S - W, 1), joined by SequentialLR): 1e-10 + (1 - 1e-10) t / W, then
// 0.5 (1 + cos(pi (t - W) / T_max)) with no clamp, so past S the multiplier rises again (period
// 2 T_max); with W = 0 it is the plain cosine from 1 at t = 0, as torch's. The JAX baselines clamp
// at 0 (optax cosine_decay_schedule), as WarmupCosine does.
class PytorchWarmupCosine final : public Schedule {
 public:
  PytorchWarmupCosine(int64_t total_steps, double warmup_factor);
  double multiplier(int64_t t) const override;
  int64_t warmup_steps() const { return warmup_; }

 private:
  int64_t warmup_;
  double span_;
};

class Constant final : public Schedule {
 public:
  double multiplier(int64_t) const override { return 1.0; }
};

// t / steps up to 1 (1 throughout when steps <= 0); the warmup piece of a Joined schedule.
class LinearWarmup final : public Schedule {
 public:
  explicit LinearWarmup(int64_t steps) : steps_(steps) {}
  double multiplier(int64_t t) const override;

 private:
  int64_t steps_;
};

// 1 -> end_factor linearly over `steps`, then end_factor (optax.polynomial_schedule, power 1; 1
// throughout when steps <= 0).
class LinearDecay final : public Schedule {
 public:
  LinearDecay(int64_t steps, double end_factor) : steps_(steps), end_(end_factor) {}
  double multiplier(int64_t t) const override;

 private:
  int64_t steps_;
  double end_;
};

// pieces[i] on [boundaries[i-1], boundaries[i]), each evaluated from the start of its interval
// (optax.join_schedules); boundaries has one entry fewer than pieces and does not decrease.
class Joined final : public Schedule {
 public:
  Joined(std::vector<std::shared_ptr<Schedule>> pieces, std::vector<int64_t> boundaries);
  double multiplier(int64_t t) const override;

 private:
  std::vector<std::shared_ptr<Schedule>> pieces_;
  std::vector<int64_t> boundaries_;
};

// Compositions, with W = int(warmup_factor * total):
// warmup, then linear decay to end_factor over int(decay_steps_factor * (total - W)) steps, then
// end_factor (AlgoPerf's momentum/Nesterov baselines; decay_steps_factor 1 and end_factor 0 is
// "linear decay to zero").
std::shared_ptr<Schedule> warmup_linear_decay(int64_t total, double warmup_factor, double decay_steps_factor,
                                              double end_factor);
// warmup, constant, then linear decay to end_factor over the last int(decay_fraction * total) steps.
std::shared_ptr<Schedule> warmup_stable_decay(int64_t total, double warmup_factor, double decay_fraction,
                                              double end_factor = 0.0);
// warmup, then constant.
std::shared_ptr<Schedule> constant_with_warmup(int64_t total, double warmup_factor);

// The schedules a submission's `schedule` key names, over `total` steps: "warmup_cosine"
// (WarmupCosine, the default), "warmup_cosine_pytorch" (PytorchWarmupCosine: AlgoPerf's PyTorch
// baselines, rising again past `total`), "warmup_stable_decay" (decay to 0 over the last
// decay_fraction of the steps) and "constant_with_warmup". Throws std::invalid_argument for any
// other name, listing these.
std::shared_ptr<Schedule> named_schedule(const std::string& name, int64_t total, double warmup_factor,
                                         double decay_fraction);
const std::vector<std::string>& schedule_names();

// Sets the first param group's learning rate to peak * schedule(t) before a step; the other groups
// keep the ratio of their learning rate to the first group's at construction (as LambdaLR keeps each
// group's base lr), so an optimizer built with per-group rates (Muon's AdamW groups) stays in
// proportion. A single group, or groups built with one rate, all get peak * schedule(t).
class ScheduledLr {
 public:
  ScheduledLr(torch::optim::Optimizer& optimizer, std::shared_ptr<Schedule> schedule, double peak_lr);
  double apply(int64_t t);  // returns the lr it set on the first group
  double last() const { return last_; }

 private:
  torch::optim::Optimizer& optimizer_;
  std::shared_ptr<Schedule> schedule_;
  double peak_;
  std::vector<double> group_ratio_;
  double last_ = 0;
};

}  // namespace trainperf
