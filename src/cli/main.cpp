// The trainperf command: one line per subcommand; each lives in cmd_<name>.cpp.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "util/environment.h"

int main(int argc, char** argv) {
  trainperf::configure_malloc();
  CLI::App app{"trainperf: time-to-result benchmark of neural-network training algorithms (AlgoPerf protocol)"};
  app.require_subcommand(1);
  // `trainperf --version`: the version and the git hash of the source tree it was built from.
  app.set_version_flag("--version", "trainperf " + trainperf::trainperf_version() + " (git " +
                                        trainperf::git_hash() + ")");
  // Every option's help shows its default (subcommands inherit this); options whose zero means
  // "not given" clear theirs where they are declared.
  app.option_defaults()->always_capture_default();
  trainperf::cli::add_list_command(app);
  trainperf::cli::add_run_command(app);
  trainperf::cli::add_bench_command(app);
  trainperf::cli::add_plan_command(app);
  trainperf::cli::add_calibrate_command(app);
  trainperf::cli::add_score_command(app);
  trainperf::cli::add_report_command(app);
  trainperf::cli::add_compare_command(app);
  trainperf::cli::add_data_command(app);
  trainperf::cli::add_reference_step_command(app);
  trainperf::cli::add_launch_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "trainperf: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
