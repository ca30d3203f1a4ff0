// Time (or steps) to target per trial, per study and per workload, exactly as the published AlgoPerf
// scoring computes them (benchmark-rules.md section 5, steps 1-3).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scoring/diagnostics.h"
#include "scoring/log_tree.h"
#include "scoring/targets.h"

namespace trainperf::scoring {

// ReferenceSteps: the `score` column divided by the trial's reference step (meta_data_0.json's
// reference_step.median_s, docs/timing.md): submission time in units that compare across machines.
enum class TimeAxis { Time, Steps, ReferenceSteps };
const char* to_string(TimeAxis axis);  // "time" / "steps" / "reference-steps"
// The eval column the axis reads: "score" (accumulated submission time; also for ReferenceSteps) or
// "global_step".
const char* time_column(TimeAxis axis);
// The reference step a trainperf trial recorded (seconds); NaN for other runners' logs and trials of
// workloads whose budget is in seconds.
double recorded_reference_step(const TrialLogs& trial);

struct TrialTime {
  int trial = 0;                     // the i of trial_<i>
  std::optional<size_t> eval_index;  // first eval row meeting the target
  double value = 0;                  // time or step at that row; +inf when never met
  double best_metric = 0;            // best validation value logged (NaN when none)
  size_t num_evals = 0;
  bool reached() const { return eval_index.has_value(); }
};

struct StudyTime {
  int study = 0;
  std::vector<TrialTime> trials;  // in listed (trial number) order
  int best_trial = -1;            // the trial whose time counts; -1 when none reached
  double value = 0;               // +inf when no trial reached
  bool reached() const { return best_trial >= 0; }
};

struct WorkloadTimes {
  std::vector<StudyTime> studies;  // studies that logged this workload
  double median = 0;               // over studies present, infinities included; NaN when missing
  double min = 0, max = 0;         // spread over studies; NaN when missing
  bool missing() const { return studies.empty(); }
  int studies_reached() const;
};

// Step 1: the first eval row whose metric meets the target (<= / >=); its time column is the time.
// A missing metric or time column is warned about and the trial counts as not reaching the target.
TrialTime trial_time_to_target(const TrialLogs& trial, const WorkloadTarget& target, TimeAxis axis,
                               Diagnostics& diag);

// Step 2: the trial meeting the target at the smallest eval index (not the smallest time); ties go to
// the first trial listed.
StudyTime study_time_to_target(int study, std::vector<TrialTime> trials);

// Step 3: median over the studies present (numpy semantics: mean of the middle two for an even count,
// so one infinity among two makes the median infinite).
WorkloadTimes workload_time_to_target(std::vector<StudyTime> studies);

double median(std::vector<double> values);  // NaN for no values

}  // namespace trainperf::scoring
