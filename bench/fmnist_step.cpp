// Steps per second of fmnist_mlp + nadamw (the runner's timed region: data selection + update), and of
// the same model, batch and update rule in Python PyTorch (bench/fmnist_step_ref.py), in one run.
//   bench_fmnist_step [--threads N] [--steps N] [--repeats N]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>

#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<double> cpp_rates(int threads, int steps, int repeats) {
  set_threads(threads);
  auto workload = make_workload("fmnist_mlp");
  workload->load_data({});
  const auto& entry = submissions().find("nadamw");
  const Hyperparameters h = entry.self_tuning_config();
  auto submission = entry.make();
  torch::manual_seed(0);
  ModelPtr model = workload->init_model(1, ModelOptions{h.number_or("dropout_rate", 0.0), 0.0});
  auto params = workload->param_infos(*model);
  LocalCommunicator comm;
  submission->init_optimizer_state(InitContext{*workload, *model, params, h, Ruleset::Self, 1, comm});
  auto stream = workload->train_stream(submission->batch_size(workload->spec()), 1, comm.info());
  TrainState state;
  std::map<std::string, Metrics> last_eval;
  std::vector<double> rates;
  int64_t step = 0;
  for (int r = 0; r <= repeats; ++r) {  // repeat 0 warms up
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i, ++step) {
      StepContext ctx{*workload, *model, params, h, last_eval, step, static_cast<uint64_t>(step), state, comm};
      Batch b = submission->data_selection(ctx, *stream);
      submission->update_params(ctx, b);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) rates.push_back(steps / s);
  }
  return rates;
}

nlohmann::json python_rates(int threads, int steps, int repeats) {
  const std::string cmd = fmt::format("/usr/bin/python3 {}/fmnist_step_ref.py --threads {} --steps {} --repeats {}",
                                      TRAINPERF_BENCH_DIR, threads, steps, repeats);
  std::array<char, 4096> buf{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run: " + cmd);
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  auto pos = out.rfind('{');
  if (pos == std::string::npos) throw std::runtime_error("no result from: " + cmd + "\n" + out);
  return nlohmann::json::parse(out.substr(pos));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fmnist_mlp + nadamw steps per second: C++ vs Python PyTorch, same run"};
  int threads = 2, steps = 300, repeats = 5, rounds = 3;
  app.add_option("--threads", threads);
  app.add_option("--steps", steps, "steps per repeat");
  app.add_option("--repeats", repeats, "timed repeats per round (after one warm-up)");
  app.add_option("--rounds", rounds, "alternating C++ / Python rounds");
  CLI11_PARSE(app, argc, argv);

  fmt::print("fmnist_mlp + nadamw, batch 128, {} threads, {} steps x {} repeats x {} rounds\n", threads, steps,
             repeats, rounds);
  fmt::print("LibTorch {} | BLAS {}\n", libtorch_version(), blas_library());
  // Alternate the two so that machine noise hits both alike.
  std::vector<double> cpp, py;
  std::string py_version;
  for (int r = 0; r < rounds; ++r) {
    for (double v : cpp_rates(threads, steps, repeats)) cpp.push_back(v);
    auto j = python_rates(threads, steps, repeats);
    py_version = j["torch_version"];
    for (double v : j["steps_per_second"]) py.push_back(v);
  }
  const double mc = median(cpp), mp = median(py);
  fmt::print("{:<28} {:>12} {:>10} {:>10}\n", "implementation", "median st/s", "min", "max");
  fmt::print("{:<28} {:>12.1f} {:>10.1f} {:>10.1f}\n", "trainperf (C++ LibTorch)", mc,
             *std::min_element(cpp.begin(), cpp.end()), *std::max_element(cpp.begin(), cpp.end()));
  fmt::print("{:<28} {:>12.1f} {:>10.1f} {:>10.1f}\n", "Python PyTorch " + py_version, mp,
             *std::min_element(py.begin(), py.end()), *std::max_element(py.begin(), py.end()));
  fmt::print("ratio C++ / Python (median steps per second): {:.2f}\n", mc / mp);
  return 0;
}
