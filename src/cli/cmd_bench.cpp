// `trainperf bench` (run a whole suite locally, resumably) and `trainperf plan` (print one command per
// trial for a cluster scheduler). Both take the same arguments.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "report/html_report.h"
#include "scoring/scoring.h"
#include "tuning/plan.h"

namespace trainperf::cli {

namespace {

struct BenchArgs {
  BenchRequest request;
  std::string submissions, workloads, ruleset = "self", rules = "v0.6";
  int64_t max_steps = 0;
};

void add_options(CLI::App* cmd, BenchArgs& a) {
  BenchRequest& r = a.request;
  auto* suite = cmd->add_option("--suite", r.suite, "suite name (quick, mini)");
  cmd->add_option("--workloads", a.workloads, "comma-separated workloads (instead of --suite)")->excludes(suite);
  cmd->add_option("--submissions", a.submissions, "comma-separated submission names or plugin .so paths")
      ->required();
  cmd->add_option("--ruleset", a.ruleset, "self | external")->check(CLI::IsMember({"external", "self"}));
  cmd->add_option("--rules", a.rules, "v0.6 (default) | v0.5")->check(CLI::IsMember({"v0.5", "v0.6"}));
  cmd->add_option("--studies", r.studies, "studies per workload")->check(CLI::PositiveNumber);
  cmd->add_option("--trials", r.trials, "trials per study (external tuning)")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", r.seed, "base seed");
  cmd->add_option("--experiment-dir", r.experiment_dir, "where logs go (AlgoPerf layout)")->required();
  cmd->add_option("--max-steps", a.max_steps, "stop each trial after this many steps")->check(CLI::PositiveNumber);
  cmd->add_option("--jobs", r.jobs, "trials run at once")->check(CLI::PositiveNumber);
  cmd->add_option("--threads", r.threads, "intra-op threads per trial (0 = cores / jobs)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", r.device, "cpu | cuda | cuda:N");
  cmd->add_option("--data-dir", r.data_dir, "dataset folder");
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
  return r;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Run every trial of every submission on every workload of a suite; "
                                          "rerunning resumes");
  add_options(cmd, *args);
  cmd->callback([args] {
    const BenchRequest r = finish(*args);
    const auto trials = plan_trials(r, self_executable());
    int held = 0;
    const int failures = run_planned(trials, r.jobs, std::cout, &held);
    fmt::print("\n{} trials planned, {} failed; logs in {}\n", trials.size(), failures, r.experiment_dir.string());
    if (held)
      throw std::runtime_error(fmt::format(
          "{} trial(s) are held by another process (running elsewhere, or left by a coordinator that died) "
          "and are not finished: not scoring studies that are still running; rerun the same command when "
          "they are done",
          held));

    // Score what is there (our workloads' own targets) and write the report next to the logs.
    scoring::ScoreOptions options;
    options.ruleset = r.ruleset;
    const auto result = scoring::score_log_trees({r.experiment_dir}, options, &std::cerr);
    fmt::print("\n{}", scoring::format_summary(result));
    for (const auto& path : scoring::write_score_files(result, r.experiment_dir / "scores"))
      fmt::print("wrote {}\n", path.string());
    report::write_html_report(result, r.experiment_dir / "report.html");
    fmt::print("wrote {}\n", (r.experiment_dir / "report.html").string());
    if (failures) throw std::runtime_error(fmt::format("{} trial(s) failed; rerun the same command to retry them", failures));
  });
}

void add_plan_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("plan", "Print one self-contained command per trial (for Slurm arrays, GNU "
                                         "parallel, Kubernetes indexed jobs)");
  add_options(cmd, *args);
  cmd->callback([args] {
    for (const auto& t : plan_trials(finish(*args), self_executable())) fmt::print("{}\n", shell_command(t.argv));
  });
}

}  // namespace trainperf::cli
