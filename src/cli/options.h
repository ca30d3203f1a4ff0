// Options that several subcommands share: the `run` flags from their one table (runner/run_flags.h)
// and the bounds every number is checked against, with short messages (CLI11's own range checks
// print the limits of a double, 300 digits long).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "runner/run_flags.h"

namespace trainperf::cli {

// Declares `flag` on `cmd` with the table's spellings (AlgoPerf's aliases included) and help, or
// `help` when given (bench and plan word some differently).
template <typename T>
CLI::Option* add_run_flag(CLI::App* cmd, RunFlag flag, T& target, const std::string& help = "") {
  const RunFlagSpec& spec = run_flag(flag);
  return cmd->add_option(cli_names(spec), target, help.empty() ? spec.help : help);
}
inline CLI::Option* add_run_switch(CLI::App* cmd, RunFlag flag, bool& target) {
  const RunFlagSpec& spec = run_flag(flag);
  return cmd->add_flag(cli_names(spec), target, spec.help);
}

// A whole number in [lo, hi] ("--trials: 0 is out of range: a whole number from 1 to 10000").
CLI::Validator whole_number(int64_t lo, int64_t hi);
// A seed: a whole number from 0 to 2^64-1, nothing else (-1, 1e26 and 2.5 are refused rather than
// wrapped or rounded into another seed).
CLI::Validator seed_number();
// Intra-op threads: 0 (all cores) up to kThreadsPerHardwareThread x this machine's hardware threads.
CLI::Validator thread_count();
// Seconds: a finite number above 0.
CLI::Validator positive_seconds();
// Minutes: a finite number, 0 or above.
CLI::Validator minutes();

// Bounds of the counts: far above any real study, low enough that a typo is caught.
inline constexpr int64_t kMaxTrials = 10000;  // per study
inline constexpr int64_t kMaxStudies = 1000;
inline constexpr int64_t kMaxSteps = 1000000000000;

// More intra-op threads than this many per hardware thread only contend for the cores (and a typo
// such as 100000 would start that many OpenMP threads before printing anything).
inline constexpr int kThreadsPerHardwareThread = 4;
int max_threads();

}  // namespace trainperf::cli
