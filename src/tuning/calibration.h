// `trainperf calibrate` (docs/calibration.md): one self-tuning configuration per submission that does
// well on all workloads at once. The parts that do not run anything live here, so that the tests can
// drive them with hand-built numbers and fake trial trees: the calibration search space, the
// candidates sampled from it, the criterion (a candidate's score against a fixed per-workload
// reference, so that it does not depend on the other candidates), its bootstrap interval over studies,
// successive halving and leave-one-workload-out.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "scoring/diagnostics.h"
#include "scoring/performance_profile.h"
#include "scoring/targets.h"
#include "scoring/time_to_target.h"
#include "tuning/search_space.h"

namespace trainperf {

struct SubmissionEntry;

namespace calibration {

// The file a submission folder ships its calibration search space in.
inline constexpr const char* kCalibrationSpaceFile = "calibration_search_space.json";

// An AlgoPerf search space (tuning/search_space.h) whose top-level keys starting with "_" are notes
// ("_source": where the ranges and the literature defaults inside them come from), not dimensions.
struct CalibrationSpace {
  SearchSpace space;
  std::string source;  // the "_source" note; empty when there is none
};
CalibrationSpace parse_calibration_space(const std::string& json_text, const std::string& origin);
// `path` when given, else the submission's shipped calibration_search_space.json (its base's for a
// decorator); throws SearchSpaceError naming the file, or saying that the submission ships none.
CalibrationSpace calibration_space(const SubmissionEntry& sub, const std::string& path);

// Candidate 0 is the submission's shipped self-tuning configuration (its literature defaults);
// candidate i >= 1 is that configuration with the space's quasi-random point i - 1 for `seed` laid
// over it (a list-form space: its point i - 1). Every candidate resolved against the submission's
// declared keys (a space that names an unknown key fails here, naming the space and the point).
std::vector<Hyperparameters> sample_candidates(const SubmissionEntry& sub, const SearchSpace& space, int count,
                                               uint64_t seed);

// The criterion (docs/calibration.md). Per workload, each study's time to target in reference steps
// divided by the workload's budget in reference steps (a fixed number: 4/3 of the target-setting
// configuration's median time, docs/workloads/targets.md), a trial that misses the target counting as
// kTauMax; the workload's ratio is the median over studies; the score is the geometric mean of the
// workload ratios. Lower is better; 1 means "as fast as the budget".
inline constexpr double kTauMax = scoring::kMaxRatio;  // AlgoPerf's performance-profile limit r_max

struct WorkloadReference {
  std::string workload;
  scoring::WorkloadTarget target;
  // Reference steps of the workload's budget (before the ruleset multiplier); 0 for a workload whose
  // budget is in seconds: then `target.max_runtime` seconds is the reference and times are seconds.
  double budget_reference_steps = 0;
};

struct TrialMeasure {
  int study = 0;
  bool reached = false;
  double seconds = 0;          // time to target (AlgoPerf's score column); +inf when not reached
  double reference_steps = 0;  // the same in reference steps; NaN when the trial recorded none
  double ratio = 0;            // time over the reference, kTauMax when not reached (and capped there)
};

// ratio of one trial: `time` (in the reference's unit) over `reference`, capped at kTauMax; kTauMax when
// the time is infinite (target missed).
double capped_ratio(double time, double reference);

// ratios[w][s] -> the score: geometric mean over workloads of the median over studies. `studies`
// selects (with repetition: a bootstrap resample) which study columns count; empty: all of them.
double criterion_score(const std::vector<std::vector<double>>& ratios, const std::vector<size_t>& studies = {});
// The median over studies of one workload's ratios (numpy semantics for an even count).
double workload_ratio(const std::vector<double>& study_ratios, const std::vector<size_t>& studies = {});

struct Interval {
  double low = scoring::kNaN, high = scoring::kNaN;
  std::string unavailable;  // why there is none (one study); empty when there is one
};
inline constexpr int kBootstrapReplicates = 1000;
// The study resamples every candidate's interval uses (the same for all: their intervals and the
// comparison with the defaults are paired): `replicates` draws of `studies` indices with replacement,
// from scoring::SplitMix64(seed).
std::vector<std::vector<size_t>> draw_study_resamples(size_t studies, int replicates, uint64_t seed);
// 95% percentile interval of criterion_score over the resamples; none for fewer than two studies.
Interval score_interval(const std::vector<std::vector<double>>& ratios,
                        const std::vector<std::vector<size_t>>& resamples);

struct CandidateResult {
  int index = 0;
  std::vector<std::vector<TrialMeasure>> trials;  // [workload][study], studies 0..studies-1
  std::vector<std::vector<double>> ratios;        // [workload][study]
  std::vector<double> workload_ratios;            // [workload]: median over studies
  double score = scoring::kNaN;
  Interval interval;
  std::string missing;  // the first trial that is not finished (then nothing else is set)
  bool complete() const { return missing.empty(); }
};

// Reads one candidate's trials (<submission_dir>/study_<k>/<workload>_cpp/trial_1, studies 0..studies-1)
// and computes its criterion; an unfinished or absent trial leaves `missing` set.
CandidateResult measure_candidate(const std::filesystem::path& submission_dir, int index,
                                  const std::vector<WorkloadReference>& workloads, int studies,
                                  const std::vector<std::vector<size_t>>& resamples, scoring::Diagnostics& diag);

// Successive halving. The studies of each rung: 1, eta, eta^2, ... up to `studies` (the last rung has
// all of them), e.g. studies 9, eta 3 -> {1, 3, 9}; studies 5 -> {1, 3, 5}; studies 1 -> {1}.
std::vector<int> halving_schedule(int studies, int eta);
// The ceil(n / eta) best of `candidates` by score (lower first; ties to the lower index), in that order.
std::vector<int> halving_keep(const std::vector<int>& candidates, const std::vector<double>& scores, int eta);

// The best candidate (lowest score; ties to the lower index) among `candidates`, scored on the
// workloads whose `include` flag is set: the geometric mean of their workload ratios.
// workload_ratios[c][w]: candidate c's ratio on workload w.
int choose(const std::vector<std::vector<double>>& workload_ratios, const std::vector<int>& candidates,
           const std::vector<bool>& include);

struct LeaveOneOut {
  size_t held_out = 0;          // workload index
  int chosen_without = 0;       // chosen on the other workloads
  int chosen_with = 0;          // chosen on all of them
  double ratio_without = 0;     // the held-out workload's ratio under chosen_without
  double ratio_with = 0;        // ... under chosen_with
  double drop = 0;              // ratio_without / ratio_with: above 1, the held-out workload is slower
};
// For every workload: the candidate chosen without it, and how the held-out workload fares.
std::vector<LeaveOneOut> leave_one_out(const std::vector<std::vector<double>>& workload_ratios,
                                       const std::vector<int>& candidates);

// The description of the criterion written into calibration.json.
nlohmann::json criterion_description();

}  // namespace calibration
}  // namespace trainperf
