#include "data/tensor_stream.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
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

PrefetchBatchStream::PrefetchBatchStream(std::unique_ptr<BatchStream> inner, int intra_op_threads)
    : inner_(std::move(inner)) {
  worker_ = std::thread([this, intra_op_threads] { run(intra_op_threads); });
}

PrefetchBatchStream::~PrefetchBatchStream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void PrefetchBatchStream::run(int intra_op_threads) {
  at::set_num_threads(std::max(1, intra_op_threads));
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || (state_ == State::Empty && !error_ && !inline_only_); });
      if (stop_) return;
      state_ = State::Producing;  // claimed: next() waits for this batch instead of making one
    }
    std::optional<Batch> batch;
    std::exception_ptr error;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      batch = inner_->next();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      record(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      ready_ = std::move(batch);
      error_ = error;
      state_ = error ? State::Empty : State::Ready;
    }
    cv_.notify_all();
    if (error) return;
  }
}

void PrefetchBatchStream::record(double seconds) {
  if (probe_s_.size() == kProbeBatches) return;
  probe_s_.push_back(seconds);
  if (probe_s_.size() < kProbeBatches) return;
  // The median: the first batch of a stream often pays one-off costs (an epoch's permutation, page faults).
  std::vector<double> sorted = probe_s_;
  std::nth_element(sorted.begin(), sorted.begin() + kProbeBatches / 2, sorted.end());
  if (sorted[kProbeBatches / 2] < kMinProduceSeconds) inline_only_ = true;
}

bool PrefetchBatchStream::prefetching() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !inline_only_;
}

Batch PrefetchBatchStream::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (error_) std::rethrow_exception(error_);
  if (state_ == State::Empty) {
    // The worker has not started on the next batch (no free core yet): make it here rather than
    // wait for the worker to be scheduled.
    state_ = State::Producing;
    lock.unlock();
    std::optional<Batch> batch;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      batch = inner_->next();
    } catch (...) {
      lock.lock();
      error_ = std::current_exception();
      state_ = State::Empty;
      cv_.notify_all();
      throw;
    }
    lock.lock();
    record(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    state_ = State::Empty;
    lock.unlock();
    cv_.notify_all();
    return std::move(*batch);
  }
  cv_.wait(lock, [this] { return state_ == State::Ready || error_; });
  if (error_) std::rethrow_exception(error_);
  Batch b = std::move(*ready_);
  ready_.reset();
  state_ = State::Empty;
  lock.unlock();
  cv_.notify_all();
  return b;
}

}  // namespace trainperf
