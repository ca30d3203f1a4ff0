#include "runner/reference_step.h"

#include <torch/optim/adamw.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainperf {

double median_seconds(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

ReferenceStepTiming measure_reference_step(Workload& workload, const ReferenceStepOptions& o) {
  const WorkloadSpec& spec = workload.spec();
  if (spec.reference_batch_size <= 0)
    throw std::logic_error("workload '" + spec.name + "' has no reference_batch_size to time a reference step with");
  SteadyClock steady;
  Clock& clock = o.clock ? *o.clock : steady;

  torch::manual_seed(static_cast<int64_t>(o.seed >> 1));
  ModelPtr model = workload.init_model(o.seed, ModelOptions{});
  model->train();
  // One batch, reused: the reference step measures the model's compute, not the input pipeline.
  const Batch batch = workload.train_stream(spec.reference_batch_size, o.seed, DistInfo{})->next();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(1e-4));
  auto step = [&] {
    optimizer.zero_grad();
    torch::Tensor logits = workload.model_fn(*model, batch, ForwardMode::Train);
    workload.loss(logits, batch).mean().backward();
    optimizer.step();
  };
  auto sync = [&] {
    // Reading one value forces the device to finish the step (CPU: a no-op).
    if (!model->parameters().empty()) (void)model->parameters().front().sum().item<double>();
  };

  ReferenceStepTiming t;
  t.warmup_steps = o.warmup_steps;
  for (int i = 0; i < o.warmup_steps; ++i) step();
  sync();
  const double e0 = clock.now();
  step();
  sync();
  const double estimate = clock.now() - e0;
  t.steps_per_sample =
      estimate > 0 ? static_cast<int>(std::clamp(std::ceil(o.sample_seconds / estimate), 1.0, 1000.0)) : 1;
  double total = 0;
  while (static_cast<int>(t.samples_s.size()) < o.max_samples &&
         (static_cast<int>(t.samples_s.size()) < o.min_samples || total < o.min_seconds)) {
    const double t0 = clock.now();
    for (int i = 0; i < t.steps_per_sample; ++i) step();
    sync();
    const double dt = clock.now() - t0;
    t.samples_s.push_back(dt / t.steps_per_sample);
    total += dt;
  }
  t.median_s = median_seconds(t.samples_s);
  if (!(t.median_s > 0))
    throw std::runtime_error("the reference step of '" + spec.name + "' measured " + std::to_string(t.median_s) +
                             " s; cannot convert its budget from reference steps to seconds");
  return t;
}

TrialClockBudget budget_in_seconds(const WorkloadSpec& spec, double reference_step_s, double multiplier,
                                   std::optional<double> max_runtime_override) {
  TrialClockBudget b{spec.max_runtime_s * multiplier, spec.eval_period_s};
  if (uses_reference_steps(spec)) {
    if (!(reference_step_s > 0))
      throw std::invalid_argument("workload '" + spec.name + "': a reference step time > 0 is needed to convert " +
                                  "its budget of " + std::to_string(spec.budget_reference_steps) + " reference steps");
    b.max_runtime_s = static_cast<double>(spec.budget_reference_steps) * reference_step_s * multiplier;
    if (spec.eval_period_reference_steps > 0) b.eval_period_s = spec.eval_period_reference_steps * reference_step_s;
  }
  if (max_runtime_override) b.max_runtime_s = *max_runtime_override;
  return b;
}

}  // namespace trainperf
