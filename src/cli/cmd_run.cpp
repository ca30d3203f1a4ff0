#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/commands.h"
#include "runner/experiment.h"
#include "tuning/plan.h"

namespace trainperf::cli {

namespace {
struct RunArgs {
  StudyRequest request;
  std::string ruleset = "external", rules = "v0.6";
  int64_t max_steps = 0;
  double max_runtime = 0;
  int only_trial = 0;
};

void run(const RunArgs& args, const CLI::App& cmd) {
  die_with_coordinator();  // a trial started by `bench` does not outlive it
  StudyRequest req = args.request;
  req.ruleset = parse_ruleset(args.ruleset);
  req.rules = parse_rules_version(args.rules);
  if (args.max_steps > 0) req.max_steps = args.max_steps;
  if (args.max_runtime > 0) req.max_runtime_s = args.max_runtime;
  if (args.only_trial > 0) req.only_trial = args.only_trial;
  for (const auto* opt : cmd.get_options())
    if (opt->get_single_name() != "help") req.flags[opt->get_single_name()] = opt->as<std::string>();

  auto outcomes = run_study(req, std::cout);
  int reached = 0;
  std::optional<double> best;
  for (const auto& o : outcomes) {
    if (!o.result.time_to_target) continue;
    ++reached;
    if (!best || *o.result.time_to_target < *best) best = o.result.time_to_target;
  }
  fmt::print("\nsummary: {}/{} trials reached the target", reached, outcomes.size());
  if (best) fmt::print("; study time to target {:.2f} s", *best);
  fmt::print("\nlogs: {}\n", (req.experiment_dir / req.submission).string());
}
}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  StudyRequest& req = args->request;
  auto* run_cmd = app.add_subcommand("run", "Run one study of a submission on a workload");
  run_cmd->add_option("--workload,-w", req.workload, "workload name (see `trainperf list`)")->required();
  run_cmd->add_option("--submission,-s", req.submission, "submission name, or the path of a plugin .so")->required();
  run_cmd->add_option("--ruleset", args->ruleset, "external | self")->check(CLI::IsMember({"external", "self"}));
  run_cmd->add_option("--rules", args->rules, "rules version: v0.6 (default) | v0.5")
      ->check(CLI::IsMember({"v0.5", "v0.6"}));
  run_cmd->add_option("--search-space", req.search_space_path,
                      "search-space JSON (external tuning); default: the submission's");
  run_cmd->add_option("--trials", req.trials, "trials per study (external tuning)")->check(CLI::PositiveNumber);
  run_cmd->add_option("--study", req.study, "study index")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--only-trial", args->only_trial, "run only this trial (1-based) of the study")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--seed", req.seed, "base seed; data, init and step seeds derive from it");
  run_cmd->add_option("--experiment-dir", req.experiment_dir, "where logs go (AlgoPerf layout)");
  run_cmd->add_option("--max-steps", args->max_steps, "stop a trial after this many steps")->check(CLI::PositiveNumber);
  run_cmd->add_option("--max-runtime", args->max_runtime,
                      "budget in seconds of submission time, replacing the workload's (target-setting runs: "
                      "train to --max-steps whatever the time)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--threads", req.threads, "intra-op threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--device", req.device, "cpu | cuda | cuda:N");
  run_cmd->add_flag("!--train-past-targets", req.stop_at_targets,
                    "keep training after both targets are reached (target-setting runs)");
  run_cmd->add_option("--data-dir", req.data_dir, "dataset folder (default: the Debian package's location)");
  run_cmd->callback([args, run_cmd] { run(*args, *run_cmd); });
}

}  // namespace trainperf::cli
