#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "report/calibration_page.h"
#include "report/html_report.h"
#include "scoring/scoring.h"

namespace trainperf::cli {

namespace fs = std::filesystem;

void add_scoring_options(CLI::App* cmd, scoring::ScoreOptions& options, bool with_baseline);  // cmd_score.cpp

namespace {
struct ReportArgs {
  std::vector<fs::path> dirs;
  scoring::ScoreOptions options;
  fs::path out;
};
}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "One static HTML page: scores, profiles, curves, hyperparameters");
  cmd->add_option("dirs", args->dirs, "experiment directories or submission folders")->required();
  add_scoring_options(cmd, args->options, true);
  cmd->add_option("--out", args->out, "HTML file to write (default: DIR/report.html)");
  cmd->callback([args] {
    // A `trainperf calibrate` folder: its calibration page (docs/calibration.md).
    if (args->dirs.size() == 1 && fs::exists(args->dirs.front() / "calibration.json")) {
      const fs::path out = args->out.empty() ? args->dirs.front() / "report.html" : args->out;
      report::write_calibration_page(args->dirs.front() / "calibration.json", out);
      fmt::print("report: {} (calibration)\n", out.string());
      return;
    }
    auto result = scoring::score_log_trees(args->dirs, args->options, &std::cerr);
    fs::path out = args->out;
    if (out.empty()) out = args->dirs.size() == 1 ? args->dirs.front() / "report.html" : fs::path("report.html");
    report::write_html_report(result, out);
    fmt::print("report: {}\n", out.string());
  });
}

}  // namespace trainperf::cli
