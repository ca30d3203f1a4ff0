#include "data/tensor_stream.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

namespace trainperf {

TensorBatchStream::TensorBatchStream(torch::Tensor inputs, torch::Tensor targets, int64_t global_batch_size,
                                     uint64_t seed, DistInfo dist)
    : inputs_(std::move(inputs)), targets_(std::move(targets)), global_batch_(global_batch_size) {
  if (global_batch_ <= 0 || global_batch_ % dist.world_size != 0)
    throw std::invalid_argument("global batch size " + std::to_string(global_batch_) +
                                " must be positive and divisible by the world size " +
                                std::to_string(dist.world_size));
  if (global_batch_ > inputs_.size(0))
    throw std::invalid_argument("batch size " + std::to_string(global_batch_) + " exceeds the " +
                                std::to_string(inputs_.size(0)) + " training examples");
  local_batch_ = global_batch_ / dist.world_size;
  offset_in_batch_ = dist.rank * local_batch_;
  gen_ = at::make_generator<at::CPUGeneratorImpl>(seed & 0x7FFFFFFFFFFFFFFFULL);
  reshuffle();
}

void TensorBatchStream::reshuffle() {
  order_ = torch::randperm(inputs_.size(0), gen_, torch::kLong);
  cursor_ = 0;
  ++epoch_;
}

Batch TensorBatchStream::next() {
  // Drop the incomplete tail of an epoch so every batch has the same size.
  if (cursor_ + global_batch_ > order_.size(0)) reshuffle();
  torch::Tensor idx = order_.narrow(0, cursor_ + offset_in_batch_, local_batch_);
  cursor_ += global_batch_;
  Batch b;
  b.inputs = inputs_.index_select(0, idx);
  b.targets = targets_.index_select(0, idx);
  return b;
}

}  // namespace trainperf
