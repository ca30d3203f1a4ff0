// From workload times to benchmark scores (benchmark-rules.md section 5, steps 4-7): held-out
// variant rules, the 4x cap, ratios to the fastest, performance profiles, and their integral.
#pragma once

#include <string>
#include <vector>

#include "scoring/targets.h"

namespace trainperf::scoring {

// Workload times per submission: t[s][w]. NaN = missing (no logs), +inf = target not reached.
struct TimeTable {
  std::vector<std::string> submissions;
  std::vector<std::string> workloads;
  std::vector<std::vector<double>> t;

  int workload_index(const std::string& name) const;  // -1 when absent
  // The minimum of a column over submissions, skipping NaN (pandas' min); NaN when all are NaN.
  double column_min(size_t w) const;
};

inline constexpr double kMaxRatio = 4.0;  // r_max: the cap and the profile's upper end

// Steps 4-6. `times` has a column for every workload of `targets` (bases and variants):
//  4. a variant becomes +inf where its base is +inf or missing;
//  5. in every column, a time above 4 x the column's minimum becomes +inf;
//  6. a base becomes +inf where its variant is +inf or missing.
// Returns the base columns only, in table order. When `after_cap` is given it receives every column
// after step 5 (variants included); `why` receives, per base cell made infinite by the rules, the
// reason ("" where the rules changed nothing).
TimeTable apply_scoring_rules(const TimeTable& times, const TargetTable& targets, TimeTable* after_cap = nullptr,
                              std::vector<std::vector<std::string>>* why = nullptr);

// Step 7: each time over its column's minimum (+inf / +inf and anything / NaN give NaN).
std::vector<std::vector<double>> performance_ratios(const TimeTable& base_times);

// The tau grid of the published scores: numpy.linspace(1, 4, 100), reproduced operation for operation.
std::vector<double> profile_taus(int num_points = 100, double tau_max = kMaxRatio);

struct PerformanceProfile {
  std::vector<double> taus;
  std::vector<std::vector<double>> rho;  // rho[s][k] = #{w : r[s][w] <= taus[k]} / n
};

// n = the number of base workloads of the benchmark (missing ones count as not reached).
PerformanceProfile performance_profile(const std::vector<std::vector<double>>& ratios, size_t num_base_workloads,
                                       int num_points = 100, double tau_max = kMaxRatio);

// Trapezoid rule over the profile's taus, divided by (tau_max - 1): a multiple of 1/(n * 2 * (points-1)).
std::vector<double> benchmark_scores(const PerformanceProfile& profile);

}  // namespace trainperf::scoring
