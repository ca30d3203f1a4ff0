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

// Per workload: each one's time to target (median over studies; studies reached / logged), the ratio
// B / A, and which reached the target; then both scores.
std::string format_comparison(const ScoreResult& result);

}  // namespace trainperf::scoring
