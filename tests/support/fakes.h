// A scripted workload and submission driving a ManualClock, for testing the runner's timing rules.
#pragma once

#include <trainperf/trainperf.h>

#include <functional>
#include <vector>

#include "support/manual_clock.h"

namespace trainperf::testing {

class OneParamModel final : public Model {
 public:
  OneParamModel() { w = register_parameter("w", torch::ones({1})); }
  torch::Tensor forward(const Batch& batch) override { return batch.inputs * w; }
  torch::Tensor w;
};

class ConstStream final : public BatchStream {
 public:
  Batch next() override { return Batch{torch::ones({2, 1}), torch::zeros({2, 1}), {}, {}}; }
};

// Validation metric (accuracy, maximise) = accuracy_at(global_step); test = the same plus test_offset.
class FakeWorkload final : public Workload {
 public:
  explicit FakeWorkload(ManualClock& clock) : clock_(clock) {
    spec_.name = "fake";
    spec_.target_metric = "accuracy";
    spec_.goal = Goal::Maximize;
    spec_.validation_target = 0.9;
    spec_.test_target = 0.9;
    spec_.max_runtime_s = 100;
    spec_.step_hint = 100;
    spec_.eval_period_s = 10;
    spec_.reference_batch_size = 2;
  }
  const WorkloadSpec& spec() const override { return spec_; }
  void load_data(const DataOptions&) override {}
  std::unique_ptr<BatchStream> train_stream(int64_t, uint64_t, const DistInfo&) override {
    return std::make_unique<ConstStream>();
  }
  ModelPtr init_model(uint64_t, const ModelOptions&) override { return std::make_shared<OneParamModel>(); }
  LossOutput loss(const torch::Tensor& logits, const Batch& b, double) const override {
    clock_.advance(loss_cost);  // only the reference step calls it: the machine's speed, as the test sets it
    ++loss_calls;
    return {(logits - b.targets).pow(2).sum(), torch::tensor(2.0), {}};
  }
  Metrics evaluate(Model&, Split split, Communicator&) override {
    clock_.advance(eval_cost);  // evaluation takes wall time that must not count
    ++eval_calls;
    const double acc = accuracy_at(step_seen) + (split == Split::Test ? test_offset : 0.0);
    return {{"accuracy", acc}, {"loss", 1 - acc}, {"num_examples", 10}};
  }

  WorkloadSpec spec_;
  ManualClock& clock_;
  double eval_cost = 5.0;
  double test_offset = 0.0;
  int64_t step_seen = 0;  // set by the submission
  int eval_calls = 0;
  double loss_cost = 0.0;
  mutable int loss_calls = 0;
  std::function<double(int64_t)> accuracy_at = [](int64_t) { return 0.0; };
};

class FakeSubmission final : public Submission {
 public:
  FakeSubmission(ManualClock& clock, FakeWorkload& w) : clock_(clock), workload_(w) {}
  int64_t batch_size(const WorkloadSpec& s) const override { return s.reference_batch_size; }
  void init_optimizer_state(const InitContext&) override { clock_.advance(init_cost); }
  Batch data_selection(const StepContext& ctx, BatchStream& s) override {
    clock_.advance(select_cost);
    return s.next();
  }
  StepResult update_params(const StepContext& ctx, const Batch&) override {
    clock_.advance(step_cost);
    workload_.step_seen = ctx.global_step + 1;
    steps_seen.push_back(ctx.global_step);
    StepResult r;
    r.loss = torch::tensor(loss_at(ctx.global_step + 1));
    r.training_complete = complete_at > 0 && ctx.global_step + 1 >= complete_at;
    return r;
  }
  void prepare_for_eval(const StepContext&) override {
    clock_.advance(prepare_cost);
    ++prepare_calls;
  }

  ManualClock& clock_;
  FakeWorkload& workload_;
  double init_cost = 50, select_cost = 0.25, step_cost = 0.75, prepare_cost = 0.0;
  int64_t complete_at = 0;
  int prepare_calls = 0;
  std::vector<int64_t> steps_seen;
  std::function<double(int64_t)> loss_at = [](int64_t) { return 1.0; };
};

}  // namespace trainperf::testing
