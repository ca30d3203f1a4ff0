// Shared by the bench/ programs that time a workload's training steps: steps per second of a workload
// + nadamw (the runner's timed region: data selection + update) and the fraction of that time spent
// in data selection (waiting for the input pipeline).
#pragma once

#include <chrono>
#include <map>
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

inline Rates cpp_rates(const std::string& name, const DataOptions& data, int threads, int steps, int repeats,
                       bool prefetch = true) {
  set_threads(threads);
  auto workload = make_workload(name);
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

}  // namespace trainperf::bench
