// The trainperf command.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "runner/experiment.h"
#include "submissions/registry.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

int cmd_list(const std::string& what) {
  if (what.empty() || what == "workloads") {
    fmt::print("workloads:\n");
    for (const auto& w : workloads().entries()) fmt::print("  {:<22} {}\n", w.name, w.description);
  }
  if (what.empty() || what == "submissions") {
    fmt::print("submissions:\n");
    for (const auto& s : submissions().entries())
      fmt::print("  {:<22} {}\n  {:<22} source: {}\n", s.name, s.description, "", s.source);
  }
  return 0;
}

int cmd_run(const StudyRequest& request) {
  auto outcomes = run_study(request, std::cout);
  int reached = 0;
  for (const auto& o : outcomes)
    if (o.result.time_to_target) ++reached;
  std::optional<double> best;
  for (const auto& o : outcomes)
    if (o.result.time_to_target && (!best || *o.result.time_to_target < *best)) best = o.result.time_to_target;
  fmt::print("\nsummary: {}/{} trials reached the target", reached, outcomes.size());
  if (best) fmt::print("; study time to target {:.2f} s", *best);
  fmt::print("\nlogs: {}\n", (request.experiment_dir / request.submission).string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trainperf: time-to-result benchmark of neural-network training algorithms (AlgoPerf protocol)"};
  app.require_subcommand(1);

  std::string list_what;
  auto* list = app.add_subcommand("list", "List workloads and/or submissions");
  list->add_option("what", list_what, "workloads | submissions")->check(CLI::IsMember({"workloads", "submissions"}));

  StudyRequest req;
  std::string ruleset = "external", rules = "v0.6";
  int64_t max_steps = 0;
  auto* run = app.add_subcommand("run", "Run one study of a submission on a workload");
  run->add_option("--workload,-w", req.workload, "workload name (see `trainperf list`)")->required();
  run->add_option("--submission,-s", req.submission, "submission name")->required();
  run->add_option("--ruleset", ruleset, "external | self")->check(CLI::IsMember({"external", "self"}));
  run->add_option("--rules", rules, "rules version: v0.6 (default) | v0.5")->check(CLI::IsMember({"v0.5", "v0.6"}));
  run->add_option("--search-space", req.search_space_path, "search-space JSON (external tuning); default: the submission's");
  run->add_option("--trials", req.trials, "trials per study (external tuning)")->check(CLI::PositiveNumber);
  run->add_option("--study", req.study, "study index")->check(CLI::NonNegativeNumber);
  run->add_option("--seed", req.seed, "base seed; data, init and step seeds derive from it");
  run->add_option("--experiment-dir", req.experiment_dir, "where logs go (AlgoPerf layout)");
  run->add_option("--max-steps", max_steps, "stop a trial after this many steps")->check(CLI::PositiveNumber);
  run->add_option("--threads", req.threads, "intra-op threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  run->add_option("--device", req.device, "cpu | cuda | cuda:N");
  run->add_option("--data-dir", req.data_dir, "dataset folder (default: the Debian package's location)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (list->parsed()) return cmd_list(list_what);
    if (run->parsed()) {
      req.ruleset = ruleset == "self" ? Ruleset::Self : Ruleset::External;
      req.rules = rules == "v0.5" ? RulesVersion::V05 : RulesVersion::V06;
      if (max_steps > 0) req.max_steps = max_steps;
      nlohmann::json flags;
      for (const auto* opt : run->get_options()) {
        if (opt->get_single_name() == "help") continue;
        flags[opt->get_single_name()] = opt->as<std::string>();
      }
      req.flags = flags;
      return cmd_run(req);
    }
  } catch (const std::exception& e) {
    std::cerr << "trainperf: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
