// `trainperf score`: log trees in, time-to-target tables, performance profiles and benchmark scores
// out, exactly as the published AlgoPerf scoring computes them (docs/scoring.md).
#pragma once

#include <trainperf/rules.h>

#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "scoring/bootstrap.h"
#include "scoring/diagnostics.h"
#include "scoring/log_tree.h"
#include "scoring/performance_profile.h"
#include "scoring/speedups.h"
#include "scoring/targets.h"
#include "scoring/time_to_target.h"

namespace trainperf::scoring {

struct ScoreOptions {
  std::string targets = "ours";  // v0.5 | v0.6 | ours | path to a JSON file
  Ruleset ruleset = Ruleset::External;
  TimeAxis axis = TimeAxis::Time;
  std::string baseline;  // submission name; empty: no speedups
  bool strict = false;
  bool exclude_unfinished = false;  // leave trials without a trial_result.json out (log_tree.h)
  int bootstrap = kDefaultBootstrapReplicates;  // resamples of the studies; 0: no intervals
  uint64_t bootstrap_seed = kDefaultBootstrapSeed;
  bool other_clock = true;  // also rank on the other clock (steps when scoring by time, and back)
  // --budget WORKLOAD=SECONDS: a workload's budget (before the self-tuning factor) for the speedup
  // analysis, over the table's max_runtime and the logs' metadata (time axis only).
  std::map<std::string, double> budgets;
};

// A ranking on the clock the scores are not computed on (`--by time` shows the step-based one too).
struct ClockRanking {
  TimeAxis axis = TimeAxis::Steps;
  std::vector<double> scores;    // per submission; empty when not computed
  std::vector<size_t> ranking;   // best first, ties in listed order (as ScoreResult::ranking)
  bool computed() const { return !scores.empty(); }
  int rank_of(size_t submission) const;  // 1-based
};

struct ScoreResult {
  ScoreOptions options;
  TargetTable targets;  // as scored; for "ours", the registered workloads that appear in the logs
  std::vector<SubmissionLogs> logs;
  std::vector<std::string> submissions;
  std::vector<std::string> workloads;              // every scored column: the table's order
  std::vector<std::vector<WorkloadTimes>> times;   // [submission][workload]: studies and trials
  TimeTable raw;                                   // step 3: median over studies, every column
  TimeTable capped;                                // after steps 4-5, every column
  TimeTable scored;                                // after step 6: base columns only
  std::vector<std::vector<std::string>> why;       // [submission][base]: why the rules made it +inf
  std::vector<std::vector<double>> ratios;         // step 7, [submission][base]
  PerformanceProfile profile;
  std::vector<double> scores;
  std::vector<size_t> ranking;         // submission indices, best score first (ties: listed order)
  std::vector<double> budgets;         // per column, what a never-reached time counts as in speedups
  std::vector<std::string> budget_sources;  // per column: "--budget", "table", "logs' metadata" or "largest logged"
  std::vector<SpeedupSummary> speedups;  // each other submission vs options.baseline
  Bootstrap bootstrap;                   // intervals over studies (bootstrap.unavailable says why not)
  ClockRanking other_clock;              // the same logs scored on the other clock
  std::vector<std::string> warnings;

  int submission_index(const std::string& name) const;  // -1 when absent
  int rank_of(size_t submission) const;                 // 1-based position in `ranking`
  // Whether the submission's rank differs on the other clock.
  bool rank_moves(size_t submission) const;
  int reached(size_t submission) const;  // base workloads with a finite scored time
  const char* unit() const {
    return options.axis == TimeAxis::Time ? "s" : options.axis == TimeAxis::Steps ? "steps" : "reference steps";
  }
};

// Reads the trees and scores them; warnings are printed to `warnings_out` (when given) as they arise.
// Throws ScoringError on bad input (and on any problem under --strict).
ScoreResult score_log_trees(const std::vector<std::filesystem::path>& dirs, const ScoreOptions& options,
                            std::ostream* warnings_out);
// Scores logs already read.
ScoreResult score_logs(std::vector<SubmissionLogs> logs, TargetTable targets, const ScoreOptions& options,
                       Diagnostics& diag);

// time_to_targets.csv, trial_times.csv, performance_profiles.csv, scores.csv (+ speedups.csv with a
// baseline; + pairwise.csv and rank_probabilities.csv when there is an interval) in `out_dir`; returns
// the paths written.
std::vector<std::filesystem::path> write_score_files(const ScoreResult& result, const std::filesystem::path& out_dir);

// Console tables: the header line, the workload x submission time table, the ranked scores with their
// intervals and the rank on the other clock, the pairwise probabilities, speedups vs the baseline.
std::string format_summary(const ScoreResult& result);

// A score interval for people: "[0.4100, 0.6200]", or "-" when there is none.
std::string format_interval(double low, double high);

// A time for people: "1234.5", "inf", "missing".
std::string format_time(double t, TimeAxis axis);

}  // namespace trainperf::scoring
