// Steps per second of austen_lm + nadamw (the runner's timed region: data selection + update) and of
// the same model, batch and NAdamW step in Python PyTorch (bench/austen_step_ref.py), in one run,
// plus the fraction of the C++ step spent waiting for data (selecting the next batch).
//   bench_austen_step [--threads N] [--steps N] [--repeats N] [--rounds N] [--data-dir DIR]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "data/dataset_cache.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/austen_lm/austen_lm.h"
#include "workloads/common/language_model.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

using Clock = std::chrono::steady_clock;

struct CppResult {
  std::vector<double> rates, data_fractions;
};

CppResult cpp_rates(const std::string& workload_name, const DataOptions& data, int threads, int steps, int repeats) {
  set_threads(threads);
  auto workload = make_workload(workload_name);
  workload->load_data(data);
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
  CppResult out;
  int64_t step = 0;
  for (int r = 0; r <= repeats; ++r) {  // repeat 0 warms up
    double data_s = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i, ++step) {
      StepContext ctx{*workload, *model, params, h, last_eval, step, static_cast<uint64_t>(step), state, comm};
      const auto d0 = Clock::now();
      Batch b = submission->data_selection(ctx, *stream);
      data_s += std::chrono::duration<double>(Clock::now() - d0).count();
      submission->update_params(ctx, b);
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r > 0) {
      out.rates.push_back(steps / s);
      out.data_fractions.push_back(data_s / s);
    }
  }
  return out;
}

nlohmann::json python_rates(const std::string& args) { return bench::run_python_reference("austen_step_ref.py", args); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"austen_lm + nadamw steps per second: C++ vs Python PyTorch, same run"};
  int threads = 1, steps = 40, repeats = 5, rounds = 3;
  std::string workload_name = "austen_lm", data_dir;
  app.add_option("--threads", threads);
  app.add_option("--steps", steps, "steps per repeat");
  app.add_option("--repeats", repeats, "timed repeats per round (after one warm-up)");
  app.add_option("--rounds", rounds, "alternating C++ / Python rounds");
  app.add_option("--workload", workload_name, "austen_lm or austen_lm_post_ln");
  app.add_option("--data-dir", data_dir, "prepared-data root (default: the user cache)");
  CLI11_PARSE(app, argc, argv);
  try {
    DataOptions data;
    data.data_dir = data_dir;
    const std::string folder = require_dataset(kAustenDataset, data, workload_name);
    auto probe = make_workload(workload_name);
    auto* lm = dynamic_cast<LanguageModelWorkload*>(probe.get());
    probe->load_data(data);
    const LanguageModelConfig& c = lm->config();
    const auto& layer = c.stack.layer;
    const Hyperparameters h = submissions().find("nadamw").self_tuning_config();
    const int64_t batch = submissions().find("nadamw").make()->batch_size(probe->spec());
    const std::string py_args = fmt::format(
        "--threads {} --steps {} --repeats {} --ids {}/train.ids --batch {} --context {} --d-model {} --heads {} "
        "--d-ff {} --layers {} --pre-ln {} --lr {} --one-minus-beta1 {} --beta2 {} --weight-decay {} "
        "--warmup-factor {} --dropout {} --step-hint {}",
        threads, steps, repeats, folder, batch, c.context_length, layer.d_model, layer.num_heads, layer.d_ff,
        c.stack.num_layers, layer.pre_ln ? 1 : 0, h.number("learning_rate"), h.number("one_minus_beta1"),
        h.number("beta2"), h.number("weight_decay"), h.number("warmup_factor"), h.number_or("dropout_rate", 0.0),
        probe->spec().step_hint);
    fmt::print("{} + nadamw, batch {} x {} tokens, vocab {}, {} threads, {} steps x {} repeats x {} rounds\n",
               workload_name, batch, c.context_length, c.vocab_size, threads, steps, repeats, rounds);
    fmt::print("LibTorch {} | BLAS {}\n", libtorch_version(), blas_library());
    std::vector<double> cpp, fractions, py, py_fractions;
    std::string py_version;
    for (int r = 0; r < rounds; ++r) {  // alternate so that machine noise hits both alike
      CppResult c_r = cpp_rates(workload_name, data, threads, steps, repeats);
      cpp.insert(cpp.end(), c_r.rates.begin(), c_r.rates.end());
      fractions.insert(fractions.end(), c_r.data_fractions.begin(), c_r.data_fractions.end());
      auto j = python_rates(py_args);
      py_version = j["torch_version"];
      for (double v : j["steps_per_second"]) py.push_back(v);
      for (double v : j["data_fractions"]) py_fractions.push_back(v);
    }
    const double mc = bench::median(cpp), mp = bench::median(py);
    fmt::print("{:<28} {:>12} {:>8} {:>8} {:>10} {:>14}\n", "implementation", "median st/s", "min", "max", "ms/step",
               "data wait");
    fmt::print("{:<28} {:>12.2f} {:>8.2f} {:>8.2f} {:>10.1f} {:>13.3f}%\n", "trainperf (C++ LibTorch)", mc,
               *std::min_element(cpp.begin(), cpp.end()), *std::max_element(cpp.begin(), cpp.end()), 1000 / mc,
               100 * bench::median(fractions));
    fmt::print("{:<28} {:>12.2f} {:>8.2f} {:>8.2f} {:>10.1f} {:>13.3f}%\n", "Python PyTorch " + py_version, mp,
               *std::min_element(py.begin(), py.end()), *std::max_element(py.begin(), py.end()), 1000 / mp,
               100 * bench::median(py_fractions));
    fmt::print("ratio C++ / Python (median steps per second): {:.2f}\n", mc / mp);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
