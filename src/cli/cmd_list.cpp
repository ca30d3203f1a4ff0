#include <fmt/format.h>

#include "cli/commands.h"
#include "submissions/registry.h"
#include "workloads/registry.h"

namespace trainperf::cli {

void add_list_command(CLI::App& app) {
  auto what = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("list", "List workloads and/or submissions");
  cmd->add_option("what", *what, "workloads | submissions")->check(CLI::IsMember({"workloads", "submissions"}));
  cmd->callback([what] {
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
