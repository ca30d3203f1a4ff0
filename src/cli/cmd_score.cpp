#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/options.h"
#include "runner/run_flags.h"
#include "scoring/scoring.h"

namespace trainperf::cli {

namespace fs = std::filesystem;

// The options score, report and compare share (declared again in cmd_report.cpp and cmd_compare.cpp).
void add_scoring_options(CLI::App* cmd, scoring::ScoreOptions& options, bool with_baseline) {
  static const std::map<std::string, Ruleset> rulesets = {{"external", Ruleset::External}, {"self", Ruleset::Self}};
  static const std::map<std::string, scoring::TimeAxis> axes = {
      {"time", scoring::TimeAxis::Time},
      {"steps", scoring::TimeAxis::Steps},
      {"reference-steps", scoring::TimeAxis::ReferenceSteps}};
  cmd->add_option("--targets", options.targets,
                  "v0.5 | v0.6 (AlgoPerf's tables) | ours (trainperf's workloads; default) | a JSON file");
  cmd->add_option("--ruleset", options.ruleset, "external (default) | self")
      ->transform(CLI::CheckedTransformer(rulesets, CLI::ignore_case));
  cmd->add_option("--by", options.axis,
                  "time (default; the `score` column) | steps (global_step) | reference-steps (the `score` "
                  "column in the trial's reference steps: comparable across machines, docs/timing.md)")
      ->transform(CLI::CheckedTransformer(axes, CLI::ignore_case));
  cmd->add_flag("--exclude-unfinished", options.exclude_unfinished,
                "leave out trials without a trial_result.json (still running or killed) instead of scoring "
                "what they logged so far");
  if (with_baseline) {
    cmd->add_option("--baseline", options.baseline, "submission to compute speedups against");
    // Each WORKLOAD=SECONDS item goes into options.budgets as it is parsed.
    cmd->add_option_function<std::vector<std::string>>(
           "--budget",
           [&options](const std::vector<std::string>& items) {
             for (const auto& item : items) {
               const auto eq = item.find('=');
               const auto seconds = eq == std::string::npos ? std::nullopt : number_text(item.substr(eq + 1));
               if (eq == 0 || !seconds || !std::isfinite(*seconds) || *seconds <= 0)
                 throw CLI::ValidationError("--budget", "'" + item + "': expected WORKLOAD=SECONDS with SECONDS > 0");
               options.budgets[item.substr(0, eq)] = *seconds;
             }
           },
           "WORKLOAD=SECONDS[,...] (repeatable): the budget a never-reached time counts as in the speedups, "
           "before the self-tuning factor; default: the table's max_runtime, else the logs' "
           "workload.max_allowed_runtime_sec (AlgoPerf's meta_data), else the largest logged time")
        ->delimiter(',');
  }
  cmd->add_flag("--strict", options.strict, "refuse messy logs instead of warning and going on");
  cmd->add_option("--bootstrap", options.bootstrap,
                  fmt::format("resamples of the studies for the 95% intervals (default {}; 0: no intervals)",
                              scoring::kDefaultBootstrapReplicates))
      ->check(whole_number(0, 1000000));
  cmd->add_option("--bootstrap-seed", options.bootstrap_seed,
                  fmt::format("seed of the resampling (default {})", scoring::kDefaultBootstrapSeed))
      ->check(seed_number());
}

namespace {
struct ScoreArgs {
  std::vector<fs::path> dirs;
  scoring::ScoreOptions options;
  fs::path out;
};

void score(const ScoreArgs& args) {
  auto result = scoring::score_log_trees(args.dirs, args.options, &std::cerr);
  for (const auto& sub : result.logs)
    for (const auto& dir : sub.excluded) fmt::print("excluded (unfinished): {}\n", dir.string());
  fs::path out = args.out;
  if (out.empty()) out = args.dirs.size() == 1 ? args.dirs.front() / "scores" : fs::path("scores");
  const auto files = scoring::write_score_files(result, out);
  std::cout << scoring::format_summary(result);
  fmt::print("\nwrote:");
  for (const auto& f : files) fmt::print(" {}", f.string());
  fmt::print("\n");
  if (!result.warnings.empty())
    fmt::print("{} warning{} about the logs (printed above)\n", result.warnings.size(),
               result.warnings.size() == 1 ? "" : "s");
}
}  // namespace

void add_score_command(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  auto* cmd = app.add_subcommand("score", "Score experiment trees: time to target, performance profiles, scores");
  cmd->add_option("dirs", args->dirs, "experiment directories (each subfolder a submission) or submission folders")
      ->required();
  add_scoring_options(cmd, args->options, true);
  cmd->add_option("--out", args->out, "folder for the CSV files (default: DIR/scores)");
  cmd->callback([args] { score(*args); });
}

}  // namespace trainperf::cli
