// Running BatchNorm statistics frozen for the lifetime of a guard (train-mode forward without
// updating them: SAM's second pass, evaluation points of averaging methods).
#pragma once

#include <torch/torch.h>

#include <c10/util/Optional.h>
#include <vector>

namespace trainperf {

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
