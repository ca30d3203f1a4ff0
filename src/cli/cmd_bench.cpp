// `trainperf bench` (run a whole suite locally, resumably) and `trainperf plan` (print one command per
// trial for a cluster scheduler). Both take the same arguments, except that plan has no --jobs and
// needs --threads (its lines run on other machines).
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "distributed/launcher.h"
#include "report/html_report.h"
#include "scoring/scoring.h"
#include "tuning/plan.h"

namespace trainperf::cli {

namespace {

struct BenchArgs {
  BenchRequest request;
  std::string submissions, workloads, ruleset = "self", rules = "v0.6", experiment_name;
  int64_t max_steps = 0;
  double reference_step = 0;  // not given
  int threads = -1;  // not given
};

// The flags bench and plan share with `run` come from its table (runner/run_flags.h), aliases included.
void add_options(CLI::App* cmd, BenchArgs& a, bool plan) {
  BenchRequest& r = a.request;
  auto* suite = cmd->add_option("--suite", r.suite, "suite name (quick, mini)");
  cmd->add_option("--workloads", a.workloads, "comma-separated workloads (instead of --suite)")->excludes(suite);
  cmd->add_option("--submissions", a.submissions, "comma-separated submission names or plugin .so paths")
      ->required();
  add_run_flag(cmd, RunFlag::Ruleset, a.ruleset,
               "self | external (default self: one trial per study, so a whole suite fits one machine; "
               "`run` defaults to external, as AlgoPerf's submission_runner.py)")
      ->check(CLI::IsMember({"external", "self"}));
  add_run_flag(cmd, RunFlag::Rules, a.rules)->check(CLI::IsMember({"v0.5", "v0.6"}));
  cmd->add_option("--studies", r.studies, "studies per workload")->check(whole_number(1, kMaxStudies));
  add_run_flag(cmd, RunFlag::Trials, r.trials)->check(whole_number(1, kMaxTrials));
  add_run_flag(cmd, RunFlag::SearchSpace, r.search_space_path,
               "search-space JSON of the one submission (external tuning); default: each submission's own");
  add_run_flag(cmd, RunFlag::SelfTuningConfig, r.self_tuning_config_path,
               "self-tuning configuration JSON of the one submission, instead of its shipped self_tuning.json "
               "(e.g. what `trainperf calibrate` writes); its keys must fit the submission's declared ones");
  add_run_flag(cmd, RunFlag::Seed, r.seed)->check(seed_number());
  add_run_flag(cmd, RunFlag::ExperimentDir, r.experiment_dir,
               "where logs, scores and report.html go (required here, unlike `run`: the whole folder is scored)")
      ->required();
  add_run_flag(cmd, RunFlag::ExperimentName, a.experiment_name);
  add_run_flag(cmd, RunFlag::MaxSteps, a.max_steps, "stop each trial after this many steps")
      ->check(whole_number(1, kMaxSteps))
      ->default_str("");
  if (plan) {
    // The planning machine's core count says nothing about the machines that will run the lines.
    add_run_flag(cmd, RunFlag::Threads, a.threads,
                 "intra-op threads of each trial on the machine that runs it (0 = all its cores); required")
        ->check(whole_number(0, 4096))
        ->required()
        ->default_str("");
  } else {
    cmd->add_option("--jobs", r.jobs, "trials run at once")->check(whole_number(1, max_threads()));
    add_run_flag(cmd, RunFlag::Threads, a.threads,
                 "intra-op threads per trial (default: cores / jobs, unlike run's 0 = all cores: the trials "
                 "run at once share the cores)")
        ->check(thread_count())
        ->default_str("");
  }
  add_run_flag(cmd, RunFlag::Device, r.device);
  cmd->add_option("--nproc-per-trial", r.nproc_per_trial,
                  "processes per trial, one data-parallel group over which the global batch shards "
                  "(docs/distributed.md); plan prints each such trial as a torchrun line")
      ->check(whole_number(1, 1024));
  add_run_flag(cmd, RunFlag::ReferenceStep, a.reference_step)->check(positive_seconds())->default_str("");
  add_run_flag(cmd, RunFlag::CheckpointEveryMin, r.checkpoint_every_min)->check(minutes());
  add_run_flag(cmd, RunFlag::DataDir, r.data_dir,
               "dataset folder (made absolute in each trial's command; default: the machine's own, see docs/data.md)");
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

BenchRequest finish(const BenchArgs& a) {
  BenchRequest r = a.request;
  r.submissions = split(a.submissions);
  r.workloads = split(a.workloads);
  r.ruleset = parse_ruleset(a.ruleset);
  r.rules = parse_rules_version(a.rules);
  if (a.max_steps > 0) r.max_steps = a.max_steps;
  if (a.reference_step > 0) r.reference_step_s = a.reference_step;
  if (a.threads >= 0) r.threads = a.threads;
  if (!a.experiment_name.empty()) r.experiment_dir /= a.experiment_name;
  return r;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Run every trial of every submission on every workload of a suite; "
                                          "rerunning resumes");
  add_options(cmd, *args, false);
  cmd->callback([args] {
    const BenchRequest r = finish(*args);
    const auto trials = plan_trials(r, self_executable());
    check_before_running(r);
    int held = 0;
    // On SIGINT/SIGTERM run_planned says what is kept and prints this command to resume.
    std::string resume = shell_command(own_command_line());
    std::error_code ec;
    if (const auto cwd = std::filesystem::current_path(ec); !ec) resume = "cd " + shell_command({cwd.string()}) + " && " + resume;
    const int failures = run_planned(trials, r.jobs, std::cout, &held, resume);
    fmt::print("\n{} trials planned, {} failed; logs in {}\n", trials.size(), failures, r.experiment_dir.string());
    if (held)
      throw std::runtime_error(fmt::format(
          "{} trial(s) are held by another process (running elsewhere, or left by a coordinator that died) "
          "and are not finished: not scoring studies that are still running; rerun the same command when "
          "they are done",
          held));
    // A failed trial (killed, crashed) leaves its study incomplete: scoring it would rank a study on
    // the trials that happened to finish. The rerun completes it (from its checkpoint) and scores.
    if (failures)
      throw std::runtime_error(fmt::format("{} trial(s) failed, so their studies are incomplete: not scoring; rerun "
                                           "the same command to retry them (finished trials are kept)",
                                           failures));

    // Score what is there (our workloads' own targets) and write the report next to the logs.
    scoring::ScoreOptions options;
    options.ruleset = r.ruleset;
    const auto result = scoring::score_log_trees({r.experiment_dir}, options, &std::cerr);
    fmt::print("\n{}", scoring::format_summary(result));
    for (const auto& path : scoring::write_score_files(result, r.experiment_dir / "scores"))
      fmt::print("wrote {}\n", path.string());
    report::write_html_report(result, r.experiment_dir / "report.html");
    fmt::print("wrote {}\n", (r.experiment_dir / "report.html").string());
  });
}

void add_plan_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("plan", "Print one self-contained command per trial (for Slurm arrays, GNU "
                                         "parallel, Kubernetes indexed jobs)");
  add_options(cmd, *args, true);
  cmd->callback([args] {
    for (const auto& t : plan_trials(finish(*args), self_executable()))
      fmt::print("{}\n", shell_command(as_torchrun_command(t.argv)));
  });
}

}  // namespace trainperf::cli
