// Shared by the bench/ programs that time a workload's training steps: steps per second of a workload
// + nadamw (the runner's timed region: data selection + update) and the fraction of that time spent
// in data selection (waiting for the input pipeline).
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <trainperf/distributed.h>
#include <trainperf/submission.h>

#include "data/tensor_stream.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

namespace trainperf::bench {

struct Rates {
  std::vector<double> steps_per_second, data_fraction;
};

// format_override: replaces the workload's input_memory_format (an empty inner optional: none).
inline Rates cpp_rates(const std::string& name, const DataOptions& data, int threads, int steps, int repeats,
                       bool prefetch = true,
                       std::optional<std::optional<torch::MemoryFormat>> format_override = std::nullopt) {
  set_threads(threads);
  auto workload = make_workload(name);
  if (format_override) workload->override_input_memory_format(*format_override);
  workload->load_data(data);
  const auto& entry = submissions().find("nadamw");
  const Hyperparameters h = entry.self_tuning_config();
  auto submission = entry.make();
  torch::manual_seed(0);
  ModelPtr model = workload->init_model(1, ModelOptions{h.number_or("dropout_rate", 0.0), 0.0});
  auto params = workload->param_infos(*model);
  LocalCommunicator comm;
  submission->init_optimizer_state(InitContext{*workload, *model, params, h, Ruleset::Self, 1, comm});
  // As the runner does on CPU: the next batch is made on a background thread (PrefetchBatchStream).
  std::unique_ptr<BatchStream> stream = workload->train_stream(submission->batch_size(workload->spec()), 1, comm.info());
  if (prefetch) stream = std::make_unique<PrefetchBatchStream>(std::move(stream), threads);
  TrainState state;
  std::map<std::string, Metrics> last_eval;
  Rates rates;
  int64_t step = 0;
  using clock = std::chrono::steady_clock;
  for (int r = 0; r <= repeats; ++r) {  // repeat 0 warms up
    const auto t0 = clock::now();
    double data_s = 0;
    for (int i = 0; i < steps; ++i, ++step) {
      StepContext ctx{*workload, *model, params, h, last_eval, step, static_cast<uint64_t>(step), state, comm};
      const auto d0 = clock::now();
      Batch b = submission->data_selection(ctx, *stream);
      data_s += std::chrono::duration<double>(clock::now() - d0).count();
      submission->update_params(ctx, b);
    }
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    if (r > 0) {
      rates.steps_per_second.push_back(steps / s);
      rates.data_fraction.push_back(data_s / s);
    }
  }
  return rates;
}

// This machine's peaks on `threads` threads, GFLOP/s (median of 7 timed calls after a warm-up): a
// 1024^3 sgemm, and a 3x3 convolution (32 images, 64 -> 64 channels, 28x28, padding 1) in each layout.
struct Peaks {
  double gemm = 0, conv_nchw = 0, conv_nhwc = 0;
};

inline double gflops_of(const std::function<void()>& f, double flops) {
  using clock = std::chrono::steady_clock;
  f();
  std::vector<double> t;
  for (int i = 0; i < 7; ++i) {
    const auto t0 = clock::now();
    f();
    t.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return flops / t[t.size() / 2] / 1e9;
}

inline Peaks measure_peaks(int threads) {
  set_threads(threads);
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  Peaks p;
  const torch::Tensor a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  p.gemm = gflops_of([&] { (void)torch::mm(a, b); }, 2.0 * 1024 * 1024 * 1024);
  const int64_t n = 32, c = 64, hw = 28;
  const double conv_flops = 2.0 * n * c * hw * hw * c * 9;
  const torch::Tensor x = torch::randn({n, c, hw, hw}), w = torch::randn({c, c, 3, 3});
  p.conv_nchw = gflops_of([&] { (void)torch::conv2d(x, w, {}, 1, 1); }, conv_flops);
  const torch::Tensor xl = x.contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor wl = w.contiguous(torch::MemoryFormat::ChannelsLast);
  p.conv_nhwc = gflops_of([&] { (void)torch::conv2d(xl, wl, {}, 1, 1); }, conv_flops);
  return p;
}

}  // namespace trainperf::bench
