#include <iostream>

#include "cli/commands.h"
#include "scoring/compare.h"

namespace trainperf::cli {

namespace fs = std::filesystem;

void add_scoring_options(CLI::App* cmd, scoring::ScoreOptions& options, bool with_baseline);  // cmd_score.cpp

namespace {
struct CompareArgs {
  fs::path a, b;
  scoring::ScoreOptions options;
};
}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand("compare", "Two submissions side by side per workload");
  cmd->add_option("A", args->a, "submission folder (holding study_<k> folders)")->required();
  cmd->add_option("B", args->b, "submission folder")->required();
  add_scoring_options(cmd, args->options, false);
  cmd->callback([args] {
    auto result = scoring::compare_submissions(args->a, args->b, args->options, &std::cerr);
    std::cout << scoring::format_comparison(result);
  });
}

}  // namespace trainperf::cli
