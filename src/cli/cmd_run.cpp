#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "distributed/c10d_communicator.h"
#include "distributed/distributed_study.h"
#include "runner/experiment.h"
#include "tuning/plan.h"

namespace trainperf::cli {

namespace {
struct RunArgs {
  StudyRequest request;
  std::string ruleset = "external", rules = "v0.6";
  int64_t max_steps = 0;
  double max_runtime = 0;
  double reference_step = 0;
  int only_trial = 0;
  bool train_past_targets = false;
  std::string experiment_name;
};

void run(const RunArgs& args, const CLI::App& cmd) {
  die_with_coordinator();  // a trial started by `bench` does not outlive it
  StudyRequest req = args.request;
  req.ruleset = parse_ruleset(args.ruleset);
  req.rules = parse_rules_version(args.rules);
  if (args.max_steps > 0) req.max_steps = args.max_steps;
  if (args.max_runtime > 0) req.max_runtime_s = args.max_runtime;
  if (args.reference_step > 0) req.reference_step_s = args.reference_step;
  if (args.only_trial > 0) req.only_trial = args.only_trial;
  req.stop_at_targets = !args.train_past_targets;
  if (!args.experiment_name.empty()) req.experiment_dir /= args.experiment_name;
  for (const auto* opt : cmd.get_options())
    if (opt->get_single_name() != "help") req.flags[opt->get_single_name()] = opt->as<std::string>();

  // Started by torchrun, srun or by hand with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT: one trial over
  // the group's processes (docs/distributed.md). Rank 0 runs the study; the others follow it.
  std::unique_ptr<C10dCommunicator> group;
  if (const auto launch = launch_environment_from_env(); launch && launch->world_size > 1) {
    if (req.device == "cuda") req.device = "cuda:" + std::to_string(launch->local_rank);
    group = std::make_unique<C10dCommunicator>(*launch, parse_device(req.device), group_timeout_from_env());
    if (launch->rank != 0) {
      follow_study(req, *group, std::cout);
      return;
    }
  }
  auto outcomes = run_study(req, std::cout, group.get());
  int reached = 0;
  std::optional<double> best;
  for (const auto& o : outcomes) {
    if (!o.result.time_to_target) continue;
    ++reached;
    if (!best || *o.result.time_to_target < *best) best = o.result.time_to_target;
  }
  fmt::print("\nsummary: {}/{} trials reached the target", reached, outcomes.size());
  if (best) fmt::print("; study time to target {:.2f} s", *best);
  // The trials' folder (experiment_dir/<submission name>/study_N/<workload>), not the submission as
  // given: for a plugin that is the path of its .so.
  const auto logs = outcomes.empty() ? req.experiment_dir : outcomes.front().dir.parent_path();
  fmt::print("\nlogs: {}\n", logs.string());
  int failed = 0;
  for (const auto& o : outcomes) failed += o.result.status == TrialStatus::Failed;
  if (failed)
    throw std::runtime_error(fmt::format("{} trial(s) failed (the errors are above; their trial_result.json say "
                                         "\"failed\"; --overwrite reruns them)", failed));
}
}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  StudyRequest& req = args->request;
  auto* run_cmd = app.add_subcommand("run", "Run one study of a submission on a workload");
  // Every flag from the one table (runner/run_flags.h) that bench and plan write trial commands from.
  for (const RunFlagSpec& f : run_flags()) {
    switch (f.flag) {
      case RunFlag::Workload: add_run_flag(run_cmd, f.flag, req.workload)->required(); break;
      case RunFlag::Submission: add_run_flag(run_cmd, f.flag, req.submission)->required(); break;
      case RunFlag::Ruleset:
        add_run_flag(run_cmd, f.flag, args->ruleset,
                     "external | self (default external, as AlgoPerf's submission_runner.py; bench and plan "
                     "default to self: one trial per study, so a whole suite fits one machine)")
            ->check(CLI::IsMember({"external", "self"}));
        break;
      case RunFlag::Rules: add_run_flag(run_cmd, f.flag, args->rules)->check(CLI::IsMember({"v0.5", "v0.6"})); break;
      case RunFlag::Study: add_run_flag(run_cmd, f.flag, req.study)->check(whole_number(0, kMaxStudies - 1)); break;
      case RunFlag::Trials: add_run_flag(run_cmd, f.flag, req.trials)->check(whole_number(1, kMaxTrials)); break;
      case RunFlag::OnlyTrial:
        add_run_flag(run_cmd, f.flag, args->only_trial)->check(whole_number(1, kMaxTrials))->default_str("");
        break;
      case RunFlag::Seed: add_run_flag(run_cmd, f.flag, req.seed)->check(seed_number()); break;
      case RunFlag::ExperimentDir:
        add_run_flag(run_cmd, f.flag, req.experiment_dir,
                     "where logs go (AlgoPerf layout; bench and plan require it: they score the whole folder)");
        break;
      case RunFlag::Threads: add_run_flag(run_cmd, f.flag, req.threads)->check(thread_count()); break;
      case RunFlag::Device: add_run_flag(run_cmd, f.flag, req.device); break;
      case RunFlag::MaxSteps:
        add_run_flag(run_cmd, f.flag, args->max_steps)->check(whole_number(1, kMaxSteps))->default_str("");
        break;
      case RunFlag::MaxRuntime: add_run_flag(run_cmd, f.flag, args->max_runtime)->check(positive_seconds())->default_str("");
        break;
      case RunFlag::ReferenceStep:
        add_run_flag(run_cmd, f.flag, args->reference_step)->check(positive_seconds())->default_str("");
        break;
      case RunFlag::TrainPastTargets: add_run_switch(run_cmd, f.flag, args->train_past_targets); break;
      case RunFlag::SearchSpace: add_run_flag(run_cmd, f.flag, req.search_space_path); break;
      case RunFlag::DataDir: add_run_flag(run_cmd, f.flag, req.data_dir); break;
      case RunFlag::ExperimentName: add_run_flag(run_cmd, f.flag, args->experiment_name); break;
      case RunFlag::Overwrite: add_run_switch(run_cmd, f.flag, req.overwrite); break;
      case RunFlag::CheckpointEveryMin: add_run_flag(run_cmd, f.flag, req.checkpoint_every_min)->check(minutes()); break;
      case RunFlag::SelfTuningConfig: add_run_flag(run_cmd, f.flag, req.self_tuning_config_path); break;
    }
  }
  std::string footer = "\nAlgoPerf's submission_runner.py flags are accepted where the meaning is the same (the "
                       "aliases above). These have no equivalent:";
  for (const auto& [flag, why] : algoperf_flags_without_equivalent()) footer += "\n  " + flag + ": " + why;
  run_cmd->footer(footer + "\n");
  run_cmd->callback([args, run_cmd] { run(*args, *run_cmd); });
}

}  // namespace trainperf::cli
