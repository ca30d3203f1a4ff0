// The `trainperf run` command line, spelled once. `trainperf run` declares its options from this
// table (src/cli/cmd_run.cpp), `bench`/`plan` build each trial's command with run_arguments() and
// declare the flags they share with `run` from it too, and the configuration guard reads a trial's
// flags_0.json back with request_from_flags(): a flag renamed or added here reaches all of them.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "runner/experiment.h"

namespace trainperf {

enum class RunFlag {
  Workload, Submission, Ruleset, Rules, Study, Trials, OnlyTrial, Seed, ExperimentDir, Threads, Device,
  MaxSteps, MaxRuntime, ReferenceStep, TrainPastTargets, SearchSpace, DataDir, ExperimentName, Overwrite,
  CheckpointEveryMin, SelfTuningConfig,
};

struct RunFlagSpec {
  RunFlag flag;
  std::string name;      // "--seed": what run_arguments() writes; without the dashes, its key in flags_0.json
  std::string aliases;   // other spellings, comma-separated: short names and AlgoPerf's ("-w", "--rng_seed")
  std::string help;
  bool is_switch = false;  // takes no value
};

// Every flag of `trainperf run`, in the order run_arguments() writes them and --help lists them.
const std::vector<RunFlagSpec>& run_flags();
const RunFlagSpec& run_flag(RunFlag flag);
// The name and its aliases as CLI11 spells an option ("--seed,--rng_seed").
std::string cli_names(const RunFlagSpec& spec);

// The arguments after `trainperf run` that reproduce `request` on any machine: the planned trial's
// identity, seed and resources always (threads and device explicitly, never this machine's default),
// the optional flags when set. Paths are written as given: plan_trials makes them absolute first.
std::vector<std::string> run_arguments(const StudyRequest& request);

// A request read back from a trial's flags_0.json (the keys and string values `trainperf run`
// records); flags that are absent or empty keep run's defaults. Throws std::invalid_argument naming
// the key when a value does not parse.
StudyRequest request_from_flags(const nlohmann::json& flags);

// The whole of `text` read as a number (std::stod's forms: "90", "1.5e2", "inf"); nullopt when any of
// it is not. The one reading of a number-of-seconds flag, for run's validators and flags_0.json alike.
std::optional<double> number_text(const std::string& text);

// AlgoPerf submission_runner.py flags that `trainperf run` has no equivalent for, each with the reason
// (printed by `trainperf run --help`).
const std::vector<std::pair<std::string, std::string>>& algoperf_flags_without_equivalent();

}  // namespace trainperf
