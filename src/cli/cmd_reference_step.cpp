// `trainperf reference-step`: the reference step of each workload on this machine (docs/timing.md,
// "Portable budgets"), and what the workloads' budgets in reference steps are in seconds here.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "runner/reference_step.h"
#include "tuning/suites.h"
#include "util/environment.h"
#include "workloads/registry.h"

namespace trainperf::cli {

namespace {
struct RefStepArgs {
  std::string suite;
  std::vector<std::string> workloads;
  int threads = 1;
  int repeats = 3;
  std::string data_dir;
  std::string json_out;
};

void reference_step(const RefStepArgs& a) {
  std::vector<std::string> names = a.workloads;
  if (!a.suite.empty()) names = find_suite(a.suite).workloads;
  if (names.empty())
    for (const auto& w : workloads().entries()) names.push_back(w.name);
  set_threads(a.threads);
  fmt::print("reference step: forward + backward + AdamW at the reference batch size, median of each measurement;\n"
             "{} measurement(s) per workload, {} thread(s); LibTorch {} / {}\n\n",
             a.repeats, torch::get_num_threads(), libtorch_version(), blas_library());
  fmt::print("{:<32} {:>6} {:>11} {:>8} {:>12} {:>10} {:>10}\n", "workload", "batch", "median ms", "spread",
             "budget steps", "budget s", "eval s");
  nlohmann::json out = nlohmann::json::object();
  for (const auto& name : names) {
    std::unique_ptr<Workload> w = make_workload(name);
    w->load_data(DataOptions{a.data_dir, torch::kCPU});
    std::vector<double> medians;
    for (int i = 0; i < a.repeats; ++i) medians.push_back(measure_reference_step(*w).median_s);
    const double m = median_seconds(medians);
    const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
    const WorkloadSpec& spec = w->spec();
    const TrialClockBudget b = uses_reference_steps(spec) ? budget_in_seconds(spec, m, 1.0) : TrialClockBudget{};
    fmt::print("{:<32} {:>6} {:>11.3f} {:>7.1f}% {:>12} {:>10.1f} {:>10.2f}\n", name, spec.reference_batch_size,
               m * 1e3, 100.0 * (*hi - *lo) / m, spec.budget_reference_steps, b.max_runtime_s, b.eval_period_s);
    std::fflush(stdout);
    out[name] = {{"median_s", m}, {"measurements_s", medians}, {"batch_size", spec.reference_batch_size},
                 {"threads", torch::get_num_threads()}};
  }
  if (!a.json_out.empty()) {
    std::ofstream f(a.json_out);
    f << out.dump(2) << "\n";
    if (!f) throw std::runtime_error("cannot write '" + a.json_out + "'");
  }
}
}  // namespace

void add_reference_step_command(CLI::App& app) {
  auto a = std::make_shared<RefStepArgs>();
  auto* cmd = app.add_subcommand("reference-step",
                                 "Time each workload's reference step here: the unit of the portable budgets");
  auto* suite = cmd->add_option("--suite", a->suite, "suite name (default: every workload)");
  cmd->add_option("--workloads", a->workloads, "comma-separated workloads")->delimiter(',')->excludes(suite);
  cmd->add_option("--threads", a->threads, "intra-op threads (default 1, as the suites run)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--repeats", a->repeats, "measurements per workload (default 3)")->check(CLI::Range(1, 100));
  cmd->add_option("--data-dir", a->data_dir, "dataset folder");
  cmd->add_option("--json", a->json_out, "also write the medians to this JSON file");
  cmd->callback([a] { reference_step(*a); });
}

}  // namespace trainperf::cli
