// Portable budgets (docs/timing.md): a workload's budget and evaluation period are counted in
// reference steps, and converted to seconds on the machine that runs the trial by timing one
// reference step there — forward, backward and a plain AdamW update of the workload's own model at
// its reference batch size, with the trial's threads and device. A machine (or a share of a core)
// twice as slow gets twice the seconds, hence the same number of reference steps.
#pragma once

#include <trainperf/workload.h>

#include <optional>
#include <vector>

#include "runner/clock.h"

namespace trainperf {

struct ReferenceStepTiming {
  double median_s = 0;
  std::vector<double> samples_s;  // per-step time of each timed sample, in order (after the warm-up)
  int steps_per_sample = 1;
  int warmup_steps = 0;
};

// A sample times several consecutive steps when one step is short: a step shorter than the kernel's
// time slice is either not preempted at all or loses a whole slice, so on a shared core the median of
// single short steps says "not slower" while the mean is twice as slow (measured: 2.55x instead of
// 2x for fmnist_mlp's 2.5 ms step beside a busy loop). Samples of >= sample_seconds see many slices.
struct ReferenceStepOptions {
  int warmup_steps = 3;
  int min_samples = 20;          // timed samples at least ...
  double min_seconds = 1.0;      // ... and at least this long in all,
  int max_samples = 100;         // but never more samples than this
  double sample_seconds = 0.05;  // a sample lasts at least this long (whole steps)
  uint64_t seed = 0x7265667374657073ULL;  // model init and batch; independent of any trial's seeds
  Clock* clock = nullptr;        // default: a steady clock
};

// The median of `v` (the mean of the middle two for an even count); `v` must not be empty.
double median_seconds(std::vector<double> v);

// Times the reference step of `workload` (its data loaded). Untimed for the trial: it builds its own
// model, optimizer and batch, and leaves LibTorch's global generator reseeded by the caller.
ReferenceStepTiming measure_reference_step(Workload& workload, const ReferenceStepOptions& options = {});

// The budget and evaluation period of `spec` in seconds on a machine whose reference step takes
// `reference_step_s`: budget_reference_steps x reference_step_s x multiplier (and the eval period
// likewise, without the multiplier). A spec without reference steps keeps its seconds. A budget given
// in seconds (`--max-runtime`: target-setting runs) replaces the workload's, with no multiplier.
struct TrialClockBudget {
  double max_runtime_s = 0;
  double eval_period_s = 0;
};
TrialClockBudget budget_in_seconds(const WorkloadSpec& spec, double reference_step_s, double multiplier,
                                   std::optional<double> max_runtime_override = std::nullopt);

// Whether `spec` counts its budget in reference steps (and so needs a measurement).
inline bool uses_reference_steps(const WorkloadSpec& spec) { return spec.budget_reference_steps > 0; }

}  // namespace trainperf
