// Steps per second of a workload + nadamw (the runner's timed region: data selection + update), and of
// the same model, batch and update rule in Python PyTorch (bench/workload_step_ref.py), in one run,
// plus the fraction of step time spent waiting for data (data_selection) on each side, and model-FLOPs
// utilisation against this machine's GEMM and convolution peaks measured in the same run.
//   bench_workload_step [--workload fmnist_mlp|fmnist_resnet|austen_lm|austen_lm_post_ln] [--threads N]
//                       [--steps N] [--repeats N] [--rounds N] [--data-dir DIR]
//                       [--python PY[,PY2]] [--memory-format workload|none|contiguous|channels_last]
// --python: each interpreter runs the reference (default: the venv's, whose torch trainperf links;
// add /usr/bin/python3 with Debian's python3-torch 1.13 for new-vs-old ratios).
// TRAINPERF_MALLOC=default (environment) leaves glibc's allocator thresholds on both sides.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include <ATen/Version.h>

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
  trainperf::configure_malloc();
  CLI::App app{"a workload + nadamw: steps per second and data-wait fraction, C++ vs Python PyTorch, same run"};
  int threads = 2, steps = 300, repeats = 5, rounds = 3;
  std::string workload = "fmnist_mlp", data_dir, memory_format = "workload";
  std::vector<std::string> pythons{TRAINPERF_PYTHON};
  app.add_option("--workload", workload,
                 "fmnist_mlp | fmnist_resnet | austen_lm | austen_lm_post_ln (the bench/workload_step_ref.py models)");
  app.add_option("--data-dir", data_dir, "prepared-data root (default: the user cache)");
  app.add_option("--threads", threads);
  app.add_option("--steps", steps, "steps per repeat");
  app.add_option("--repeats", repeats, "timed repeats per round (after one warm-up)");
  app.add_option("--rounds", rounds, "alternating C++ / Python rounds");
  app.add_option("--python", pythons, "interpreters that run the Python reference (comma-separated)")->delimiter(',');
  app.add_option("--memory-format", memory_format, "layout of image inputs on both sides")
      ->check(CLI::IsMember({"workload", "none", "contiguous", "channels_last"}));
  CLI11_PARSE(app, argc, argv);
  DataOptions data;
  data.data_dir = data_dir;
  std::string py_args;
  // The layout both sides use: the workload's own, or the one asked for (then an override of it).
  std::optional<torch::MemoryFormat> format;
  std::optional<std::optional<torch::MemoryFormat>> format_override;
  try {
    py_args = python_args(workload, data, threads, steps, repeats);
    if (memory_format == "workload") {
      format = make_workload(workload)->spec().input_memory_format;
    } else {
      if (memory_format != "none")
        format = memory_format == "channels_last" ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
      format_override = format;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  const bool channels_last = format == torch::MemoryFormat::ChannelsLast;
  const std::string format_name = !format ? "none" : channels_last ? "channels_last" : "contiguous";
  py_args += fmt::format(" --memory-format {} --malloc {}", format_name, malloc_settings().applied ? "fixed" : "default");

  fmt::print("{} + nadamw (self-tuning config), {} threads, {} steps x {} repeats x {} rounds, inputs {}, malloc {}\n",
             workload, threads, steps, repeats, rounds, format_name,
             malloc_settings().applied ? "thresholds fixed" : "glibc default");
  fmt::print("LibTorch {} | BLAS {} | CPU capability {}\n", libtorch_version(), blas_library(), at::get_cpu_capability());
  // Alternate the implementations so that machine noise hits all alike.
  std::vector<double> cpp, cpp_data;
  std::vector<std::vector<double>> py(pythons.size()), py_data(pythons.size());
  std::vector<std::string> py_version(pythons.size());
  std::optional<double> flops;
  for (int r = 0; r < rounds; ++r) {
    // No prefetching thread on either side: the Python reference has none.
    const bench::Rates c =
        bench::cpp_rates(workload, data, threads, steps, repeats, /*prefetch=*/false, format_override);
    cpp.insert(cpp.end(), c.steps_per_second.begin(), c.steps_per_second.end());
    cpp_data.insert(cpp_data.end(), c.data_fraction.begin(), c.data_fraction.end());
    for (size_t i = 0; i < pythons.size(); ++i) {
      auto j = bench::run_python_reference("workload_step_ref.py", py_args, pythons[i]);
      py_version[i] = j["torch_version"];
      if (!flops && j.contains("flops_per_step") && j["flops_per_step"].is_number())
        flops = j["flops_per_step"].get<double>();
      for (double v : j["steps_per_second"]) py[i].push_back(v);
      for (double v : j["data_fraction"]) py_data[i].push_back(v);
    }
  }
  const bench::Peaks peaks = bench::measure_peaks(threads);
  const bool conv = workload.rfind("fmnist_resnet", 0) == 0;
  const double peak = conv ? (channels_last ? peaks.conv_nhwc : peaks.conv_nchw) : peaks.gemm;
  auto row = [&](const std::string& name, const std::vector<double>& v) {
    const double m = bench::median(v);
    const std::string mfu = flops ? fmt::format("{:.1f}%", 100 * *flops * m / (peak * 1e9)) : "-";
    fmt::print("{:<30} {:>12.1f} {:>10.1f} {:>10.1f} {:>10.2f} {:>8}\n", name, m, *std::min_element(v.begin(), v.end()),
               *std::max_element(v.begin(), v.end()), 1000 / m, mfu);
  };
  fmt::print("{:<30} {:>12} {:>10} {:>10} {:>10} {:>8}\n", "implementation", "median st/s", "min", "max", "ms/step",
             "MFU");
  row("trainperf (C++ LibTorch " + libtorch_version() + ")", cpp);
  for (size_t i = 0; i < pythons.size(); ++i) row("Python PyTorch " + py_version[i], py[i]);
  const double mc = bench::median(cpp);
  for (size_t i = 0; i < pythons.size(); ++i)
    fmt::print("ratio C++ / Python {} (median steps per second): {:.2f}\n", py_version[i], mc / bench::median(py[i]));
  for (size_t i = 1; i < pythons.size(); ++i)
    fmt::print("ratio Python {} / Python {} (median steps per second): {:.2f}\n", py_version[0], py_version[i],
               bench::median(py[0]) / bench::median(py[i]));
  std::string waits = fmt::format("C++ {:.2f}%", 100 * bench::median(cpp_data));
  for (size_t i = 0; i < pythons.size(); ++i)
    waits += fmt::format(", Python {} {:.2f}%", py_version[i], 100 * bench::median(py_data[i]));
  fmt::print("fraction of step time waiting for data (median): {}\n", waits);
  fmt::print("model FLOPs per step (forward+backward, torch.utils.flop_counter): {}\n",
             flops ? fmt::format("{:.3g}", *flops) : std::string("not counted (torch < 2.1)"));
  fmt::print("peaks on {} thread(s), GFLOP/s: sgemm {:.1f}, 3x3 conv NCHW {:.1f}, NHWC {:.1f}; MFU above is against {}\n",
             threads, peaks.gemm, peaks.conv_nchw, peaks.conv_nhwc,
             conv ? (channels_last ? "the NHWC conv peak" : "the NCHW conv peak") : "the sgemm peak");
  return 0;
}
