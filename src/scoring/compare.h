// `trainperf compare A B`: two submissions side by side per workload.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "scoring/scoring.h"

namespace trainperf::scoring {

// Scores the two submission folders together (each path must hold exactly one submission).
ScoreResult compare_submissions(const std::filesystem::path& a, const std::filesystem::path& b,
                                const ScoreOptions& options, std::ostream* warnings_out);

// B / A of one column's median times (step 3) with its bootstrap interval: each replicate's medians,
// B's over A's; a replicate where only B (A) never reaches counts as +inf (0), one where neither
// reaches or either is missing has no ratio and is left out (`undefined` counts them). No interval
// (NaN) where the point ratio is undefined or there is no bootstrap.
struct RatioInterval {
  double ratio = kNaN, low = kNaN, high = kNaN;
  int undefined = 0;
  // "A faster" (the interval is above 1), "B faster" (below 1), "cannot tell" (it holds 1), "" (none).
  std::string verdict() const;
};
RatioInterval median_ratio_interval(const ScoreResult& result, size_t workload);

// Per workload: each one's time to target (median over studies; studies reached / logged), the ratio
// B / A with its interval and whether the data separate them, which reached the target; then both
// scores with their intervals and P(A > B).
std::string format_comparison(const ScoreResult& result);

}  // namespace trainperf::scoring
