// Target tables: per workload the validation metric, its target, the budget, and for held-out
// variants their base workload. Shipped tables (data/targets/*.json: AlgoPerf v0.5 and v0.6),
// trainperf's own registered workloads, or a user file in the same format.
#pragma once

#include <filesystem>
#include <optional>
#include <limits>
#include <string>
#include <vector>

#include <trainperf/rules.h>

namespace trainperf::scoring {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct WorkloadTarget {
  std::string name;
  std::string metric;  // eval column, e.g. "validation/accuracy"
  Goal goal = Goal::Maximize;
  double target = 0;  // validation target
  double test_target = 0;
  double max_runtime = 0;  // seconds, before the ruleset multiplier
  int64_t step_hint = 0;
  std::string base;  // set for a held-out variant: the base workload it belongs to

  bool is_variant() const { return !base.empty(); }
  // Published scoring's test: <= for minimised metrics, >= for maximised ones.
  bool meets(double value) const { return goal == Goal::Minimize ? value <= target : value >= target; }
};

struct TargetTable {
  std::string name;    // "AlgoPerf v0.5", "trainperf workloads", or the file's name
  std::string source;  // where it came from (file path or "registry")
  std::optional<int> studies;           // studies per workload the rules ask for
  std::optional<int> trials_per_study;  // trials per study under external tuning
  double self_tuning_budget_factor = 1.5;
  std::vector<WorkloadTarget> workloads;  // bases and variants, in table order

  const WorkloadTarget* find(const std::string& name) const;
  std::vector<std::string> base_names() const;
  // The held-out variant(s) of a base workload.
  std::vector<std::string> variants_of(const std::string& base) const;
};

// "ours" (the workload registry), "v0.5"/"v0.6" (AlgoPerf's tables, compiled in from data/targets/;
// read from $TRAINPERF_TARGETS_DIR instead when it is set), or a path to a JSON file: trainperf's
// table format, or AlgoPerf's own scoring/workload_targets.json (recognised by its top-level keys
// _comment / benchmark_version / base_workloads / held_out_workloads; see docs/scoring.md).
// Throws ScoringError naming the file and key on unknown keys, unknown metrics, bad values.
TargetTable load_targets(const std::string& which);
TargetTable parse_targets(const std::string& json_text, const std::string& where);
TargetTable registry_targets();

// Metric names (without "validation/") whose direction is known: AlgoPerf's and our workloads'.
std::optional<Goal> known_metric_goal(const std::string& metric);

}  // namespace trainperf::scoring
