// Steps per second of a workload + nadamw (the runner's timed region: data selection + update), and of
// the same model, batch and update rule in Python PyTorch (bench/workload_step_ref.py), in one run,
// plus the fraction of step time spent waiting for data (data_selection) on each side.
//   bench_workload_step [--workload fmnist_mlp|fmnist_resnet|austen_lm|austen_lm_post_ln] [--threads N]
//                       [--steps N] [--repeats N] [--rounds N] [--data-dir DIR]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "workload_rates.h"
#include "data/dataset_cache.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/common/language_model.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

// The Python reference's arguments: the nadamw self-tuning point, the batch, and for the language
// models every size of the model and the prepared token file.
// Sizes and the spec are known before load_data; require_dataset checks the prepared data.
std::string python_args(const std::string& name, const DataOptions& data, int threads, int steps, int repeats) {
  auto workload = make_workload(name);
  const auto& entry = submissions().find("nadamw");
  const Hyperparameters h = entry.self_tuning_config();
  std::string args = fmt::format(
      "--workload {} --threads {} --steps {} --repeats {} --batch {} --lr {} --one-minus-beta1 {} --beta2 {} "
      "--weight-decay {} --warmup-factor {} --dropout {} --step-hint {}",
      name, threads, steps, repeats, entry.make()->batch_size(workload->spec()), h.number("learning_rate"),
      h.number("one_minus_beta1"), h.number("beta2"), h.number("weight_decay"), h.number("warmup_factor"),
      h.number_or("dropout_rate", 0.0), workload->spec().step_hint);
  if (const auto* lm = dynamic_cast<const LanguageModelWorkload*>(workload.get())) {
    const LanguageModelConfig& c = lm->config();
    const auto& layer = c.stack.layer;
    args += fmt::format(" --ids {}/train.ids --context {} --d-model {} --heads {} --d-ff {} --layers {} --pre-ln {}",
                        require_dataset(workloads().find(name).datasets.at(0), data, name), c.context_length,
                        layer.d_model, layer.num_heads, layer.d_ff, c.stack.num_layers, layer.pre_ln ? 1 : 0);
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"a workload + nadamw: steps per second and data-wait fraction, C++ vs Python PyTorch, same run"};
  int threads = 2, steps = 300, repeats = 5, rounds = 3;
  std::string workload = "fmnist_mlp", data_dir;
  app.add_option("--workload", workload,
                 "fmnist_mlp | fmnist_resnet | austen_lm | austen_lm_post_ln (the bench/workload_step_ref.py models)");
  app.add_option("--data-dir", data_dir, "prepared-data root (default: the user cache)");
  app.add_option("--threads", threads);
  app.add_option("--steps", steps, "steps per repeat");
  app.add_option("--repeats", repeats, "timed repeats per round (after one warm-up)");
  app.add_option("--rounds", rounds, "alternating C++ / Python rounds");
  CLI11_PARSE(app, argc, argv);
  DataOptions data;
  data.data_dir = data_dir;
  std::string py_args;
  try {
    py_args = python_args(workload, data, threads, steps, repeats);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }

  fmt::print("{} + nadamw (self-tuning config), {} threads, {} steps x {} repeats x {} rounds\n", workload, threads,
             steps, repeats, rounds);
  fmt::print("LibTorch {} | BLAS {}\n", libtorch_version(), blas_library());
  // Alternate the two so that machine noise hits both alike.
  std::vector<double> cpp, py, cpp_data, py_data;
  std::string py_version;
  for (int r = 0; r < rounds; ++r) {
    // No prefetching thread on either side: the Python reference has none.
    const bench::Rates c = bench::cpp_rates(workload, data, threads, steps, repeats, /*prefetch=*/false);
    cpp.insert(cpp.end(), c.steps_per_second.begin(), c.steps_per_second.end());
    cpp_data.insert(cpp_data.end(), c.data_fraction.begin(), c.data_fraction.end());
    auto j = bench::run_python_reference("workload_step_ref.py", py_args);
    py_version = j["torch_version"];
    for (double v : j["steps_per_second"]) py.push_back(v);
    for (double v : j["data_fraction"]) py_data.push_back(v);
  }
  const double mc = bench::median(cpp), mp = bench::median(py);
  fmt::print("{:<28} {:>12} {:>10} {:>10} {:>10}\n", "implementation", "median st/s", "min", "max", "ms/step");
  fmt::print("{:<28} {:>12.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", "trainperf (C++ LibTorch)", mc,
             *std::min_element(cpp.begin(), cpp.end()), *std::max_element(cpp.begin(), cpp.end()), 1000 / mc);
  fmt::print("{:<28} {:>12.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", "Python PyTorch " + py_version, mp,
             *std::min_element(py.begin(), py.end()), *std::max_element(py.begin(), py.end()), 1000 / mp);
  fmt::print("ratio C++ / Python (median steps per second): {:.2f}\n", mc / mp);
  fmt::print("fraction of step time waiting for data (median): C++ {:.2f}%, Python {:.2f}%\n",
             100 * bench::median(cpp_data), 100 * bench::median(py_data));
  return 0;
}
