// Each subcommand of `trainperf` lives in its own cmd_<name>.cpp and adds itself to the app here.
// A subcommand's callback does the work; errors are exceptions, reported by main().
#pragma once

#include <CLI/CLI.hpp>

namespace trainperf::cli {

void add_list_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_reference_step_command(CLI::App& app);
void add_launch_command(CLI::App& app);

}  // namespace trainperf::cli
