#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "distributed/c10d_communicator.h"
#include "distributed/launcher.h"
#include "tuning/plan.h"

namespace trainperf::cli {

void add_launch_command(CLI::App& app) {
  struct Args {
    int nproc = 1;
    double grace_s = 0;
    std::vector<std::string> command;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "launch", "Run a trainperf command as N processes of one data-parallel group on this machine, as "
                "`torchrun --standalone --nproc-per-node N --no-python trainperf ...` does (docs/distributed.md)");
  cmd->add_option("--nproc-per-node", args->nproc, "processes (ranks) of the group")
      ->required()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--grace", args->grace_s,
                  "seconds the other ranks get to stop on their own once one has failed, before they are killed "
                  "(default: the group timeout, TRAINPERF_GROUP_TIMEOUT_S, plus 10 s)")
      ->check(CLI::PositiveNumber)
      ->default_str("");
  // Everything from the first positional on is the command: `launch --nproc-per-node 2 run -w ...`.
  cmd->prefix_command();
  cmd->footer("\nThe command after the options is a trainperf subcommand and its arguments (run -w fmnist_mlp ...).");
  cmd->callback([args, cmd] {
    args->command = cmd->remaining();
    if (args->command.empty()) throw std::invalid_argument("launch: no command given (e.g. launch --nproc-per-node 2 run ...)");
    die_with_coordinator();  // started by `bench`: dies with it, and so do the ranks
    std::vector<std::string> argv{self_executable()};
    argv.insert(argv.end(), args->command.begin(), args->command.end());
    const double grace = args->grace_s > 0 ? args->grace_s : group_timeout_from_env().count() / 1e3 + 10;
    const int rc = launch_group(argv, args->nproc, grace, std::cerr);
    if (rc != 0) std::exit(rc);
  });
}

}  // namespace trainperf::cli
