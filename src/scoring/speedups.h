// Speedups of a submission over a baseline, as AlgoPerf's speedup analysis computes them
// (scoring/compute_speedups.py): raw workload times (median over studies, no 4x cap, no variant
// rule), base workloads only, a time that never reached the target replaced by the budget + 1,
// per-workload ratios and their geometric mean.
#pragma once

#include <string>
#include <vector>

namespace trainperf::scoring {

struct WorkloadSpeedup {
  std::string workload;
  double baseline_time = 0;    // after budget substitution; NaN when the baseline has no logs
  double submission_time = 0;  // after budget substitution; NaN when the submission has no logs
  bool baseline_reached = false;
  bool submission_reached = false;
  double time_ratio = 0;  // submission / baseline: AlgoPerf's "speedup" column (< 1 is faster)
  double speedup = 0;     // baseline / submission (> 1 is faster); NaN when either is missing
};

struct SpeedupSummary {
  std::string submission, baseline;
  std::vector<WorkloadSpeedup> workloads;
  double geomean_speedup = 0;     // over workloads where both have logs; NaN when none
  double geomean_time_ratio = 0;  // 1 / geomean_speedup
  int workloads_compared = 0;
};

// times[w]: raw workload times (+inf = not reached, NaN = missing); budgets[w]: the budget a
// never-reached time is replaced by (before the + 1 that AlgoPerf adds to avoid 0/0).
SpeedupSummary compute_speedups(const std::string& submission, const std::vector<double>& submission_times,
                                const std::string& baseline, const std::vector<double>& baseline_times,
                                const std::vector<std::string>& workloads, const std::vector<double>& budgets);

}  // namespace trainperf::scoring
