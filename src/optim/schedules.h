// Learning-rate schedules as small value objects: multiplier(t) of the peak learning rate, where t is
// the number of updates already applied (the first update sees t = 0, as in AlgoPerf's baselines).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

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

class Constant final : public Schedule {
 public:
  double multiplier(int64_t) const override { return 1.0; }
};

// Sets every param group's learning rate to peak * schedule(t) before a step.
class ScheduledLr {
 public:
  ScheduledLr(torch::optim::Optimizer& optimizer, std::shared_ptr<Schedule> schedule, double peak_lr)
      : optimizer_(optimizer), schedule_(std::move(schedule)), peak_(peak_lr) {}
  double apply(int64_t t);  // returns the lr it set
  double last() const { return last_; }

 private:
  torch::optim::Optimizer& optimizer_;
  std::shared_ptr<Schedule> schedule_;
  double peak_;
  double last_ = 0;
};

}  // namespace trainperf
