// Evaluating at weights other than the training weights inside AlgoPerf's submission protocol.
// prepare_for_eval swaps the evaluation weights in and recomputes BatchNorm statistics there; the
// next update_params swaps the training weights (and their BatchNorm statistics) back before its
// forward pass. Used by Schedule-Free (x), DoG/L-DoG (polynomial average), EMA and LAWA.
#pragma once

#include <trainperf/checkpointable.h>
#include <trainperf/submission.h>

#include <deque>
#include <functional>
#include <memory>

#include "nn/batch_norm.h"
#include "optim/averaging.h"

namespace trainperf {

// BatchNorm running statistics for evaluation weights. The last `num_batches` training batches are
// kept (by reference: no copies); before an evaluation the statistics are reset and recomputed as the
// exact (cumulative) average over those batches, with train-mode forward passes without gradients at
// the evaluation weights. The training-time statistics are put back, bit for bit, by restore().
// A model without BatchNorm layers keeps no batches and pays nothing.
class BatchNormRecompute {
 public:
  explicit BatchNormRecompute(int64_t num_batches = 4) : num_batches_(num_batches) {}
  void attach(Model& model);
  bool active() const { return !layers_.empty(); }
  void remember(const Batch& batch);
  void recompute(const StepContext& ctx);
  void restore();
  // The remembered batches, for a mid-trial checkpoint (taken with the training statistics in place).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  struct Layer {
    torch::Tensor running_mean, running_var, num_batches_tracked;
    c10::optional<double>* momentum;
  };
  int64_t num_batches_;
  std::vector<Layer> layers_;
  std::deque<Batch> batches_;
  std::vector<torch::Tensor> stash_;  // training-time statistics while recomputed ones are in place
};

// The protocol for one source of evaluation weights.
class EvalWeightsProtocol {
 public:
  void attach(Model& model, EvalWeights& weights, int64_t batch_norm_batches = 4);
  void before_update();                      // training weights and statistics back in place
  void after_update(const Batch& batch);     // remember the batch for BatchNorm recomputation
  void before_eval(const StepContext& ctx);  // evaluation weights in, statistics recomputed there
  // What a checkpoint (taken between an update and the next prepare_for_eval) must keep: the batches
  // the BatchNorm statistics are recomputed from. The weights are their owner's to save.
  void save(torch::serialize::OutputArchive& archive) const { batch_norm_->save(archive); }
  void load(torch::serialize::InputArchive& archive) { batch_norm_->load(archive); }

 private:
  EvalWeights* weights_ = nullptr;
  std::unique_ptr<BatchNormRecompute> batch_norm_;
};

// Wraps any submission and evaluates it at an average of its iterates (EMA, LAWA, polynomial).
// The average is folded in after every update of the wrapped submission; the wrapped submission's
// own prepare_for_eval runs first, so the average is always of its training weights.
class AveragedSubmission final : public Submission, public Checkpointable {
 public:
  using MakeAverage = std::function<std::unique_ptr<WeightAverage>(const InitContext&, std::vector<torch::Tensor>)>;
  AveragedSubmission(std::unique_ptr<Submission> inner, MakeAverage make_average);

  int64_t batch_size(const WorkloadSpec& workload) const override { return inner_->batch_size(workload); }
  void init_optimizer_state(const InitContext& ctx) override;
  StepResult update_params(const StepContext& ctx, const Batch& batch) override;
  Batch data_selection(const StepContext& ctx, BatchStream& stream) override {
    return inner_->data_selection(ctx, stream);
  }
  void prepare_for_eval(const StepContext& ctx) override;
  double current_lr() const override { return inner_->current_lr(); }
  // The wrapped submission's state (false when it is not Checkpointable), the average and the
  // BatchNorm batches.
  bool save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;

  const WeightAverage& average() const { return *average_; }

 private:
  std::unique_ptr<Submission> inner_;
  MakeAverage make_average_;
  std::unique_ptr<WeightAverage> average_;
  EvalWeightsProtocol protocol_;
};

}  // namespace trainperf
