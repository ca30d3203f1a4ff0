// BatchNorm layers of a model: one walk over them, and their running statistics frozen for the
// lifetime of a guard (train-mode forward without updating them: SAM's second pass, evaluation
// points of averaging methods).
#pragma once

#include <torch/torch.h>

#include <c10/util/Optional.h>
#include <functional>
#include <vector>

namespace trainperf {

// One BatchNorm layer (1d, 2d or 3d): its running statistics and momentum, by reference.
struct BatchNormLayer {
  torch::Tensor& running_mean;
  torch::Tensor& running_var;
  torch::Tensor& num_batches_tracked;
  c10::optional<double>& momentum;
  bool tracks_running_stats;
};

// Calls f for every BatchNorm layer under root (root included), in module order.
void for_each_batch_norm(torch::nn::Module& root, const std::function<void(BatchNormLayer&)>& f);

// Whether the model has BatchNorm layers that keep running statistics (DoG's reps_rel default).
bool has_batch_norm(torch::nn::Module& root);

class FreezeBatchNormStats {
 public:
  explicit FreezeBatchNormStats(torch::nn::Module& root);
  ~FreezeBatchNormStats();
  FreezeBatchNormStats(const FreezeBatchNormStats&) = delete;
  FreezeBatchNormStats& operator=(const FreezeBatchNormStats&) = delete;

 private:
  struct Saved {
    c10::optional<double>* momentum;
    c10::optional<double> value;
    torch::Tensor num_batches_tracked;
    torch::Tensor num_batches_copy;
  };
  std::vector<Saved> saved_;
};

}  // namespace trainperf
