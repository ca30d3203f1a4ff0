// An endless, reshuffled-every-epoch stream of batches over in-memory tensors.
#pragma once

#include <trainperf/types.h>

#include <cstdint>
#include <memory>

namespace trainperf {

class TensorBatchStream final : public BatchStream {
 public:
  // Each rank takes its slice [rank*b/world, (rank+1)*b/world) of every global batch.
  TensorBatchStream(torch::Tensor inputs, torch::Tensor targets, int64_t global_batch_size, uint64_t seed,
                    DistInfo dist);
  Batch next() override;
  int64_t epoch() const { return epoch_; }

 private:
  void reshuffle();

  torch::Tensor inputs_, targets_, order_;
  int64_t global_batch_, local_batch_, offset_in_batch_;
  int64_t cursor_ = 0, epoch_ = -1;
  at::Generator gen_;
};

// Moves each batch of another stream to a device (host-to-device copies count as submission time).
class DeviceBatchStream final : public BatchStream {
 public:
  DeviceBatchStream(std::unique_ptr<BatchStream> inner, torch::Device device)
      : inner_(std::move(inner)), device_(device) {}
  Batch next() override { return inner_->next().to(device_, /*non_blocking=*/true); }

 private:
  std::unique_ptr<BatchStream> inner_;
  torch::Device device_;
};

}  // namespace trainperf
