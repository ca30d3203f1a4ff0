// An endless, reshuffled-every-epoch stream of batches over in-memory tensors.
#pragma once

#include <trainperf/types.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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

// Produces the next batch of another stream on a background thread while the caller trains on the
// current one (one batch ahead, like tf.data's prefetch in AlgoPerf's input pipelines): the batches
// and their order are exactly the inner stream's; an exception from the inner stream is rethrown by
// the next() that would have returned that batch (and by every later one). When next() finds that
// the worker has not started on the batch (every core busy, so it was not scheduled), it makes the
// batch itself instead of waiting: on a loaded machine the cost is that of an inline stream. A stream
// whose first kProbeBatches batches take under kMinProduceSeconds (median) is cheaper than the
// hand-over between threads: from then on every batch is made inline (prefetching() says which). The worker runs torch ops with `intra_op_threads`
// (OpenMP's thread count is per thread, so it is set again there). The inner stream must not use
// the global RNG (workload streams own their generators).
class PrefetchBatchStream final : public BatchStream {
 public:
  PrefetchBatchStream(std::unique_ptr<BatchStream> inner, int intra_op_threads);
  ~PrefetchBatchStream() override;
  Batch next() override;
  bool prefetching() const;

  static constexpr size_t kProbeBatches = 16;
  static constexpr double kMinProduceSeconds = 1e-3;

 private:
  void run(int intra_op_threads);
  void record(double seconds);  // under the lock: times the first kProbeBatches batches

  std::unique_ptr<BatchStream> inner_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  enum class State { Empty, Producing, Ready };  // the next batch: not started, being made, made
  State state_ = State::Empty;
  std::optional<Batch> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  bool inline_only_ = false;
  std::vector<double> probe_s_;  // how long each of the first kProbeBatches batches took
  std::thread worker_;
};

}  // namespace trainperf
