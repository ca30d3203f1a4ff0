// Targets, budgets and step hints are data: each workload folder keeps the target-setting summary of
// every workload it registers (src/workloads/<folder>/targets/<name>.json, written by
// scripts/set_targets.py and compiled into the binary), and its spec reads them from there.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include <string>

namespace trainperf {

// The summary of workload `name`; std::logic_error if no folder ships one.
const nlohmann::json& target_setting_summary(const std::string& name);

// `spec` with its validation and test targets from its summary and, for a base workload, its budget
// (budget_reference_steps) and step hint. The summary's workload, metric and goal must match the spec.
WorkloadSpec with_targets(WorkloadSpec spec);

// A held-out variant, written as a delta on its base: named base.name + "_" + suffix, with its own
// description and targets (from its summary), and the base's budget and step hint. What else differs
// (usually the model's config, which lives outside the spec) is the caller's.
// Why a workload cannot rank training algorithms, from its target-setting summary (issue 17; docs/workloads/
// targets.md, "Status"): fewer than half of the target-setting reruns reached the target, or the coefficient
// of variation of the steps at which they first met it (the seed-to-seed spread; their times also carry the
// machine's load) exceeds kMaxTimeToTargetCv. Empty when it is usable, and when the summary has no
// `time_to_target_spread` yet (targets not re-set: nothing to judge). `where` names the file.
inline constexpr double kMaxTimeToTargetCv = 0.30;
std::string ranking_exclusion(const nlohmann::json& summary, const std::string& where);
std::string ranking_exclusion(const std::string& name);  // of the summary the build embedded

WorkloadSpec held_out_variant(const WorkloadSpec& base, const std::string& suffix, std::string description);

}  // namespace trainperf
