#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "submissions/registry.h"
#include "workloads/registry.h"

namespace trainperf::cli {

namespace {

// The submission's declared hyperparameters, then where its tuning inputs come from.
void print_submission(const SubmissionEntry& s) {
  fmt::print("{}: {}\nsource: {}\n\nhyperparameters (a search-space point or self-tuning config may set these keys "
             "and no others):\n",
             s.name, s.description, s.source);
  const std::string table = s.schema().table();
  size_t start = 0;
  while (start < table.size()) {
    const size_t end = table.find('\n', start);
    fmt::print("  {}\n", table.substr(start, end - start));
    start = end == std::string::npos ? table.size() : end + 1;
  }
  const SearchSpace space = s.search_space();
  fmt::print("\nexternal tuning: {} ({})\n", space.origin(),
             space.is_list() ? fmt::format("{} points, used in order", space.points().size())
                             : fmt::format("{} dimensions, quasi-random points", space.num_dims()));
  fmt::print("self-tuning:     {}\n", nlohmann::json::parse(s.self_tuning_config().to_json()).dump());
}

}  // namespace

void add_list_command(CLI::App& app) {
  auto what = std::make_shared<std::string>();
  auto submission = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("list", "List workloads and/or submissions, or one submission's hyperparameters");
  cmd->add_option("what", *what, "workloads | submissions")->check(CLI::IsMember({"workloads", "submissions"}));
  cmd->add_option("--submission", *submission,
                  "print this submission's declared hyperparameters (name, type, default, description); "
                  "a built-in name or a plugin's path");
  cmd->callback([what, submission] {
    if (!submission->empty()) {
      print_submission(resolve_submission(*submission));
      return;
    }
    if (what->empty() || *what == "workloads") {
      fmt::print("workloads:\n");
      for (const auto& w : workloads().entries()) fmt::print("  {:<22} {}\n", w.name, w.description);
    }
    if (what->empty() || *what == "submissions") {
      fmt::print("submissions:\n");
      for (const auto& s : submissions().entries())
        fmt::print("  {:<22} {}\n  {:<22} source: {}\n", s.name, s.description, "", s.source);
    }
  });
}

}  // namespace trainperf::cli
