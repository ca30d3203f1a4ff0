// Steps per second of fmnist_resnet trained by 1 and by N processes of one Gloo group (one intra-op
// thread each, the global batch the same), and the share of a step spent in the gradient all-reduce.
// Every ratio is measured in this run: the configurations alternate, `--reps` times each, and the
// medians are compared.
//
//   bench_distributed_step [--nproc 2] [--steps 30] [--warmup 5] [--reps 3] [--workload fmnist_resnet]
//
// The parent starts the ranks of each configuration as `trainperf launch` would (RANK, WORLD_SIZE,
// MASTER_ADDR=127.0.0.1, a free MASTER_PORT); rank 0 writes its timings as JSON to --result.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench_support.h"
#include "distributed/c10d_communicator.h"
#include "distributed/launcher.h"
#include "submissions/registry.h"
#include "tuning/plan.h"
#include "util/environment.h"
#include "workloads/registry.h"

using namespace trainperf;
namespace fs = std::filesystem;

namespace {

struct Options {
  int nproc = 2, steps = 30, warmup = 5, reps = 3;
  std::string workload = "fmnist_resnet", submission = "nadamw", result;
};

// One rank: `warmup` untimed steps, then `steps` timed ones; rank 0 writes steps/s and the all-reduce
// share of the timed steps.
void worker(const Options& o) {
  set_threads(1);
  const auto launch = launch_environment_from_env();
  std::unique_ptr<C10dCommunicator> group;
  LocalCommunicator local;
  if (launch && launch->world_size > 1)
    group = std::make_unique<C10dCommunicator>(*launch, torch::kCPU, std::chrono::seconds(120));
  Communicator& comm = group ? static_cast<Communicator&>(*group) : local;
  const DistInfo dist = comm.info();

  std::unique_ptr<Workload> workload = make_workload(o.workload);
  workload->load_data(DataOptions{"", torch::kCPU});
  const SubmissionEntry& sub = resolve_submission(o.submission);
  std::unique_ptr<Submission> submission = sub.make();
  const Hyperparameters hparams = sub.self_tuning_config();
  const int64_t batch = submission->batch_size(workload->spec());
  auto stream = workload->train_stream(batch, 1, dist);
  ModelPtr model = workload->init_model(1, ModelOptions{});
  std::vector<torch::Tensor> params = model->parameters();
  comm.broadcast(params, 0);
  const std::vector<ParamInfo> infos = workload->param_infos(*model);
  submission->init_optimizer_state(InitContext{*workload, *model, infos, hparams, Ruleset::Self, 2, comm});
  TrainState state;
  std::map<std::string, Metrics> last_eval;

  using Clock = std::chrono::steady_clock;
  Clock::time_point t0;
  double collective_at_start = 0;
  for (int step = 0; step < o.warmup + o.steps; ++step) {
    if (step == o.warmup) {
      comm.barrier();
      t0 = Clock::now();
      collective_at_start = group ? group->seconds_in_collectives() : 0;
    }
    StepContext ctx{*workload, *model, infos, hparams, last_eval, step, static_cast<uint64_t>(step), state, comm};
    Batch b = submission->data_selection(ctx, *stream);
    submission->update_params(ctx, b);
  }
  // The last barrier is not the all-reduce's (its wait is the ranks' imbalance), but the timed span
  // ends when every rank is done.
  const double all_reduce_s = group ? group->seconds_in_collectives() - collective_at_start : 0;
  comm.barrier();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (dist.rank == 0) {
    nlohmann::json j = {{"world_size", dist.world_size},
                        {"batch", batch},
                        {"steps_per_s", o.steps / seconds},
                        {"all_reduce_share", all_reduce_s / seconds}};
    std::ofstream(o.result) << j.dump() << "\n";
  }
}

nlohmann::json run_configuration(const Options& o, int nproc, const fs::path& result) {
  std::vector<std::string> argv = {fs::canonical("/proc/self/exe").string(), "--worker",    "--steps",
                                   std::to_string(o.steps),                   "--warmup",    std::to_string(o.warmup),
                                   "--workload",                              o.workload,    "--submission",
                                   o.submission,                              "--result",    result.string()};
  if (nproc == 1) {
    ::unsetenv("WORLD_SIZE");
    const std::string cmd = shell_command(argv);
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("the single-process run failed: " + cmd);
  } else if (launch_group(argv, nproc, 30, std::cerr) != 0) {
    throw std::runtime_error(fmt::format("the {}-process run failed", nproc));
  }
  std::ifstream in(result);
  return nlohmann::json::parse(in);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool is_worker = false;
  CLI::App app{"steps/s of a workload with 1 and N data-parallel processes, and the all-reduce's share"};
  app.add_option("--nproc", o.nproc, "processes of the data-parallel configuration")->check(CLI::Range(2, 64));
  app.add_option("--steps", o.steps, "timed steps per run")->check(CLI::Range(1, 100000));
  app.add_option("--warmup", o.warmup, "untimed steps first")->check(CLI::Range(0, 100000));
  app.add_option("--reps", o.reps, "runs of each configuration (alternating); medians are reported")
      ->check(CLI::Range(1, 100));
  app.add_option("--workload", o.workload);
  app.add_option("--submission", o.submission);
  app.add_flag("--worker", is_worker, "(internal) one rank of a run");
  app.add_option("--result", o.result, "(internal) where rank 0 writes its timings");
  CLI11_PARSE(app, argc, argv);
  try {
    if (is_worker) {
      worker(o);
      return 0;
    }
    const fs::path dir = fs::temp_directory_path() / fmt::format("bench_distributed_{}", ::getpid());
    fs::create_directories(dir);
    std::vector<double> rate1, rateN, share;
    for (int rep = 0; rep < o.reps; ++rep) {
      const auto one = run_configuration(o, 1, dir / "one.json");
      const auto many = run_configuration(o, o.nproc, dir / "many.json");
      rate1.push_back(one["steps_per_s"]);
      rateN.push_back(many["steps_per_s"]);
      share.push_back(many["all_reduce_share"]);
      fmt::print("rep {}: 1 process {:.2f} steps/s | {} processes {:.2f} steps/s (all-reduce {:.0f}% of the step)\n",
                 rep + 1, rate1.back(), o.nproc, rateN.back(), 100 * share.back());
    }
    fs::remove_all(dir);
    const double r1 = bench::median(rate1), rn = bench::median(rateN);
    fmt::print("\n{} ({} steps, global batch the submission's, one intra-op thread per process), medians of {}:\n",
               o.workload, o.steps, o.reps);
    fmt::print("  1 process:   {:.2f} steps/s\n", r1);
    fmt::print("  {} processes: {:.2f} steps/s  ({:.2f}x the single process)\n", o.nproc, rn, rn / r1);
    fmt::print("  gradient all-reduce: {:.1f}% of the {}-process step\n", 100 * bench::median(share), o.nproc);
  } catch (const std::exception& e) {
    std::cerr << "bench_distributed_step: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
