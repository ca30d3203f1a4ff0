#include "optim/schedules.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

PytorchWarmupCosine::PytorchWarmupCosine(int64_t total_steps, double warmup_factor)
    : warmup_(std::max<int64_t>(static_cast<int64_t>(warmup_factor * static_cast<double>(total_steps)), 0)),
      span_(std::max(static_cast<double>(total_steps - warmup_), 1.0)) {}

double PytorchWarmupCosine::multiplier(int64_t t) const {
  constexpr double start = 1e-10;  // LinearLR's start_factor in AlgoPerf's baselines
  if (t < warmup_) return start + (1.0 - start) * static_cast<double>(t) / static_cast<double>(warmup_);
  return 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(t - warmup_) / span_));
}

double LinearWarmup::multiplier(int64_t t) const {
  if (steps_ <= 0 || t >= steps_) return 1.0;
  return static_cast<double>(t) / static_cast<double>(steps_);
}

double LinearDecay::multiplier(int64_t t) const {
  if (steps_ <= 0) return 1.0;
  const double frac = 1.0 - static_cast<double>(std::min(t, steps_)) / static_cast<double>(steps_);
  return (1.0 - end_) * frac + end_;
}

Joined::Joined(std::vector<std::shared_ptr<Schedule>> pieces, std::vector<int64_t> boundaries)
    : pieces_(std::move(pieces)), boundaries_(std::move(boundaries)) {
  TORCH_CHECK(!pieces_.empty() && boundaries_.size() + 1 == pieces_.size(),
              "Joined schedule: needs one boundary fewer than pieces");
  TORCH_CHECK(std::is_sorted(boundaries_.begin(), boundaries_.end()), "Joined schedule: boundaries decrease");
}

double Joined::multiplier(int64_t t) const {
  size_t i = 0;
  while (i < boundaries_.size() && t >= boundaries_[i]) ++i;
  return pieces_[i]->multiplier(i == 0 ? t : t - boundaries_[i - 1]);
}

namespace {
int64_t warmup_steps(int64_t total, double warmup_factor) {
  return static_cast<int64_t>(warmup_factor * static_cast<double>(total));
}
}  // namespace

std::shared_ptr<Schedule> warmup_linear_decay(int64_t total, double warmup_factor, double decay_steps_factor,
                                              double end_factor) {
  const int64_t w = warmup_steps(total, warmup_factor);
  const auto decay = static_cast<int64_t>(static_cast<double>(total - w) * decay_steps_factor);
  return std::make_shared<Joined>(
      std::vector<std::shared_ptr<Schedule>>{std::make_shared<LinearWarmup>(w),
                                             std::make_shared<LinearDecay>(decay, end_factor)},
      std::vector<int64_t>{w});
}

std::shared_ptr<Schedule> warmup_stable_decay(int64_t total, double warmup_factor, double decay_fraction,
                                              double end_factor) {
  const int64_t w = warmup_steps(total, warmup_factor);
  const auto decay = static_cast<int64_t>(decay_fraction * static_cast<double>(total));
  const int64_t decay_start = std::max(w, total - decay);
  return std::make_shared<Joined>(
      std::vector<std::shared_ptr<Schedule>>{std::make_shared<LinearWarmup>(w), std::make_shared<Constant>(),
                                             std::make_shared<LinearDecay>(total - decay_start, end_factor)},
      std::vector<int64_t>{w, decay_start});
}

std::shared_ptr<Schedule> constant_with_warmup(int64_t total, double warmup_factor) {
  const int64_t w = warmup_steps(total, warmup_factor);
  return std::make_shared<Joined>(
      std::vector<std::shared_ptr<Schedule>>{std::make_shared<LinearWarmup>(w), std::make_shared<Constant>()},
      std::vector<int64_t>{w});
}

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names = {"warmup_cosine", "warmup_cosine_pytorch", "warmup_stable_decay",
                                                  "constant_with_warmup"};
  return names;
}

std::shared_ptr<Schedule> named_schedule(const std::string& name, int64_t total, double warmup_factor,
                                         double decay_fraction) {
  if (name == "warmup_cosine") return std::make_shared<WarmupCosine>(total, warmup_factor);
  if (name == "warmup_cosine_pytorch") return std::make_shared<PytorchWarmupCosine>(total, warmup_factor);
  if (name == "warmup_stable_decay") return warmup_stable_decay(total, warmup_factor, decay_fraction);
  if (name == "constant_with_warmup") return constant_with_warmup(total, warmup_factor);
  std::string known;
  for (const auto& n : schedule_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown schedule '" + name + "' (known: " + known + ")");
}

ScheduledLr::ScheduledLr(torch::optim::Optimizer& optimizer, std::shared_ptr<Schedule> schedule, double peak_lr)
    : optimizer_(optimizer), schedule_(std::move(schedule)), peak_(peak_lr) {
  const auto& groups = optimizer_.param_groups();
  const double first = groups.empty() ? 0.0 : groups.front().options().get_lr();
  for (const auto& group : groups) group_ratio_.push_back(first > 0 ? group.options().get_lr() / first : 1.0);
}

double ScheduledLr::apply(int64_t t) {
  last_ = peak_ * schedule_->multiplier(t);
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(last_ * (i < group_ratio_.size() ? group_ratio_[i] : 1.0));
  return last_;
}

}  // namespace trainperf
