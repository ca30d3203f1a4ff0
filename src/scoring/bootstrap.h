// How sure a score is: a percentile bootstrap over studies (docs/scoring.md, "Uncertainty").
// Each replicate resamples every submission's studies with replacement (a drawn study brings all of
// its workloads) and reruns the whole scoring from step 3 on: medians over the drawn studies, the
// held-out variant and 4x rules, the performance profiles, the integral. All submissions are resampled
// in the same replicate, because a score depends on the others' times.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scoring/performance_profile.h"
#include "scoring/targets.h"
#include "scoring/time_to_target.h"

namespace trainperf::scoring {

// splitmix64 (Steele, Lea & Flood 2014): a generator that fits in four lines, so that an independent
// implementation (tests/golden/bootstrap/gen_bootstrap.py) draws exactly the same resamples.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // An index in [0, n): next() % n. The modulo bias is below n / 2^64: nothing for a few studies.
  size_t index(size_t n) { return static_cast<size_t>(next() % n); }

 private:
  uint64_t state_;
};

inline constexpr int kDefaultBootstrapReplicates = 1000;
inline constexpr uint64_t kDefaultBootstrapSeed = 20261207;
inline constexpr double kIntervalLevel = 0.95;

// One submission's study times, what every replicate draws from.
struct StudyTimes {
  std::vector<int> studies;                // study numbers that logged a workload of the table, ascending
  std::vector<std::vector<double>> value;  // [workload][position in studies]; NaN: that study lacks the workload
};

// From the per-workload study times of a scoring (ScoreResult::times[submission][workload]).
std::vector<StudyTimes> study_times(const std::vector<std::vector<WorkloadTimes>>& times);

// Which studies a replicate draws: picks[s] holds positions into studies[s].studies.
using Resample = std::vector<std::vector<size_t>>;

// The resamples the generator draws, replicate after replicate; within one, submission after submission
// (in `studies` order), as many draws as that submission has studies, each SplitMix64::index(n).
std::vector<Resample> draw_resamples(const std::vector<StudyTimes>& studies, int replicates, uint64_t seed);

struct ReplicateScores {
  TimeTable raw;  // step 3 on the drawn studies: every column, NaN where no drawn study logged it
  PerformanceProfile profile;
  std::vector<double> scores;
};

// The full scoring (steps 3-7) of one resample. `layout` names the submissions and columns (bases and
// variants, in `targets` order), as ScoreResult::raw does.
ReplicateScores score_resample(const std::vector<StudyTimes>& studies, const Resample& picks, const TimeTable& layout,
                               const TargetTable& targets);

// numpy.percentile(values, q) with its default method ("linear"): q in [0, 100]. Infinities are
// allowed (an interpolation towards +inf is +inf). NaN for no values.
double percentile(std::vector<double> values, double q);

struct Bootstrap {
  int replicates = 0;
  uint64_t seed = 0;
  double level = kIntervalLevel;
  std::string unavailable;  // why there is no interval; empty when there is one

  std::vector<double> low, high;                          // [s]: the score's percentile interval
  std::vector<std::vector<double>> pairwise;              // [row][col]: P(score_row > score_col), ties count for neither
  std::vector<std::vector<double>> rank_probability;      // [s][k]: P(rank k + 1), rank = 1 + #{strictly higher scores}
  std::vector<std::vector<double>> rho_low, rho_high;     // [s][tau]: pointwise interval of the profile
  std::vector<std::vector<double>> scores;                // [replicate][s]
  std::vector<std::vector<std::vector<double>>> medians;  // [replicate][s][column]: step 3 of each replicate

  bool available() const { return unavailable.empty(); }
};

// Intervals, pairwise probabilities and rank probabilities from the replicates' scores (and profiles,
// when given: one per replicate).
void summarize_replicates(Bootstrap& b, const std::vector<PerformanceProfile>* profiles = nullptr);

// The bootstrap of a scoring. Needs at least two studies for every submission (otherwise `unavailable`
// says which submission has one); replicates == 0 disables it.
Bootstrap bootstrap_scores(const std::vector<StudyTimes>& studies, const TimeTable& layout, const TargetTable& targets,
                           int replicates, uint64_t seed);

}  // namespace trainperf::scoring
