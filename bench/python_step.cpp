// The cost of running a training algorithm as a Python submission: per-step time (the runner's timed
// region, data_selection + update_params) of
//   cpp     the C++ `nadamw` submission,
//   python  the same algorithm written to AlgoPerf's PyTorch API (bench/python_nadamw_submission.py),
//   bridge  a Python file that does nothing but call the C++ `nadamw` step
//           (bench/python_bridge_only_submission.py): the bridge's own cost,
// on the same model, batches and hyperparameters, interleaved in rounds so that machine noise hits
// all three alike; medians over rounds, with the ratios to cpp.
//   bench_python_step [--workload fmnist_mlp|fmnist_resnet|...] [--threads N] [--steps N] [--rounds N]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "bench_support.h"
#include "python/python_submission.h"
#include "runner/runner.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

struct Contender {
  std::string name;
  std::unique_ptr<Workload> workload;
  ModelPtr model;
  std::vector<ParamInfo> params;
  std::unique_ptr<Submission> submission;
  std::unique_ptr<BatchStream> stream;
  std::vector<double> step_s;  // per round: mean seconds per step
};

}  // namespace

int main(int argc, char** argv) {
  configure_malloc();
  CLI::App app{"per-step cost of Python submissions against the C++ one"};
  std::string workload_name = "fmnist_mlp";
  int threads = 1, steps = 50, rounds = 5;
  app.add_option("--workload", workload_name);
  app.add_option("--threads", threads);
  app.add_option("--steps", steps, "timed steps per round and contender");
  app.add_option("--rounds", rounds);
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(threads);

  const SubmissionEntry& cpp = submissions().find("nadamw");
  const Hyperparameters h = cpp.self_tuning_config();
  const std::string dir = TRAINPERF_BENCH_DIR;
  const SubmissionEntry& python = resolve_submission(dir + "/python_nadamw_submission.py");
  const SubmissionEntry& bridge = resolve_submission(dir + "/python_bridge_only_submission.py");

  // The bridge-only file's C++ step: a C++ nadamw on the same model, set up with it.
  std::unique_ptr<Submission> inner = cpp.make();
  set_cpp_step([&](const StepContext& ctx, const Batch& b) { return inner->update_params(ctx, b); });

  std::vector<Contender> cs;
  for (const auto* e : {&cpp, &python, &bridge}) {
    Contender c;
    c.name = e == &cpp ? "cpp" : e == &python ? "python" : "bridge";
    c.workload = make_workload(workload_name);
    c.workload->load_data({});
    c.model = c.workload->init_model(1, model_options_from(h));
    c.params = c.workload->param_infos(*c.model);
    c.submission = e->make();
    cs.push_back(std::move(c));
  }
  LocalCommunicator comm;
  TrainState state;
  std::map<std::string, Metrics> no_eval;
  for (auto& c : cs) {
    // External: the point reaches the Python files as a namedtuple (self-tuning would pass None).
    const InitContext init{*c.workload, *c.model, c.params, h, Ruleset::External, 3, comm};
    c.submission->init_optimizer_state(init);
    if (c.name == "bridge") inner->init_optimizer_state(init);
    // The batch size the runner would use; Python files scale AlgoPerf's (both give ours here).
    c.stream = c.workload->train_stream(c.submission->batch_size(c.workload->spec()), 5, {});
  }
  fmt::print("bench_python_step: {} (batch {}), {} thread(s), {} steps x {} rounds, nadamw self-tuning point\n",
             workload_name, cs[0].submission->batch_size(cs[0].workload->spec()), threads, steps, rounds);

  int64_t step = 0;
  auto run_steps = [&](Contender& c, int n) {
    for (int i = 0; i < n; ++i) {
      StepContext ctx{*c.workload, *c.model, c.params, h, no_eval, step + i, static_cast<uint64_t>(step + i),
                      state, comm};
      Batch b = c.submission->data_selection(ctx, *c.stream);
      c.submission->update_params(ctx, b);
    }
  };
  for (auto& c : cs) run_steps(c, 5);  // warm-up: first-call costs, allocator
  for (int r = 0; r < rounds; ++r) {
    for (auto& c : cs) {
      const auto t0 = std::chrono::steady_clock::now();
      run_steps(c, steps);
      const auto t1 = std::chrono::steady_clock::now();
      c.step_s.push_back(std::chrono::duration<double>(t1 - t0).count() / steps);
    }
    step += steps;
  }
  const double base = bench::median(cs[0].step_s);
  fmt::print("{:<8} {:>12} {:>10} {:>14}\n", "", "ms/step", "x cpp", "overhead ms");
  nlohmann::json out;
  for (const auto& c : cs) {
    const double m = bench::median(c.step_s);
    fmt::print("{:<8} {:>12.3f} {:>10.3f} {:>14.3f}\n", c.name, m * 1e3, m / base, (m - base) * 1e3);
    out[c.name] = {{"ms_per_step", m * 1e3}, {"ratio_to_cpp", m / base}};
  }
  out["workload"] = workload_name;
  out["threads"] = threads;
  fmt::print("{}\n", out.dump());
  return 0;
}
