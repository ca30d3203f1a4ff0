#include "optim/schedules.h"

#include <algorithm>
#include <cmath>

namespace trainperf {

WarmupCosine::WarmupCosine(int64_t total_steps, double warmup_factor)
    : total_(std::max<int64_t>(total_steps, 1)),
      warmup_(static_cast<int64_t>(warmup_factor * static_cast<double>(total_steps))) {}

double WarmupCosine::multiplier(int64_t t) const {
  if (t < warmup_) return static_cast<double>(t) / static_cast<double>(warmup_);
  if (t >= total_) return 0.0;  // clamp: a periodic cosine would rise again
  const double span = static_cast<double>(std::max<int64_t>(total_ - warmup_, 1));
  return 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(t - warmup_) / span));
}

double ScheduledLr::apply(int64_t t) {
  last_ = peak_ * schedule_->multiplier(t);
  for (auto& group : optimizer_.param_groups()) group.options().set_lr(last_);
  return last_;
}

}  // namespace trainperf
