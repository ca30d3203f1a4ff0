// PrefetchBatchStream: the same batches in the same order as the stream it wraps, errors delivered
// in order, clean shutdown with a batch waiting.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "data/tensor_stream.h"

using namespace trainperf;

namespace {

std::unique_ptr<BatchStream> numbers(uint64_t seed) {
  torch::Tensor x = torch::arange(50, torch::kFloat).view({50, 1});
  return std::make_unique<TensorBatchStream>(x, torch::arange(50, torch::kLong), 8, seed, DistInfo{});
}

// Counts its batches and throws at batch `fail_at` (0-based).
class Failing final : public BatchStream {
 public:
  explicit Failing(int fail_at) : fail_at_(fail_at) {}
  Batch next() override {
    if (made_ == fail_at_) throw std::runtime_error("corrupt record 3");
    Batch b;
    b.inputs = torch::full({1}, static_cast<float>(made_++));
    return b;
  }

 private:
  int fail_at_, made_ = 0;
};

}  // namespace

TEST(PrefetchBatchStream, SameBatchesInTheSameOrderAcrossEpochs) {
  auto plain = numbers(7);
  PrefetchBatchStream prefetched(numbers(7), 1);
  // 8-example batches of 50 examples: many reshuffled epochs; back-to-back calls find the next batch
  // sometimes ready, sometimes being made by the worker, sometimes not started (made by next()).
  for (int i = 0; i < 300; ++i) {
    const Batch a = plain->next(), b = prefetched.next();
    ASSERT_TRUE(torch::equal(a.inputs, b.inputs)) << "batch " << i;
    ASSERT_TRUE(torch::equal(a.targets, b.targets)) << "batch " << i;
  }
}

TEST(PrefetchBatchStream, ErrorsArriveAfterTheBatchesBeforeThem) {
  PrefetchBatchStream s(std::make_unique<Failing>(3), 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.next().inputs.item<float>(), i);
  EXPECT_THROW(
      {
        try {
          s.next();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "corrupt record 3");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_THROW(s.next(), std::runtime_error);  // and again: the stream stays failed
}

// A batch that takes `ms` milliseconds to make.
class Slow final : public BatchStream {
 public:
  explicit Slow(int ms) : ms_(ms) {}
  Batch next() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    Batch b;
    b.inputs = torch::full({1}, static_cast<float>(made_++));
    return b;
  }

 private:
  int ms_, made_ = 0;
};

TEST(PrefetchBatchStream, CheapStreamsGoInlineCostlyOnesStayPrefetched) {
  PrefetchBatchStream cheap(numbers(3), 1), costly(std::make_unique<Slow>(3), 1);
  EXPECT_TRUE(cheap.prefetching());  // until the first kProbeBatches batches are timed
  for (int i = 0; i < static_cast<int>(PrefetchBatchStream::kProbeBatches) + 4; ++i) {
    cheap.next();
    EXPECT_EQ(costly.next().inputs.item<float>(), i);  // still in order
  }
  EXPECT_FALSE(cheap.prefetching());
  EXPECT_TRUE(costly.prefetching());
  auto plain = numbers(3);  // the inline batches continue the same sequence
  for (size_t i = 0; i < PrefetchBatchStream::kProbeBatches + 4; ++i) plain->next();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(torch::equal(plain->next().inputs, cheap.next().inputs));
}

TEST(PrefetchBatchStream, DestroyedWithABatchWaitingOrUnused) {
  { PrefetchBatchStream unused(numbers(1), 1); }
  {
    PrefetchBatchStream s(numbers(1), 1);
    s.next();  // the worker is making the next one, or has made it and waits
  }
  SUCCEED();
}
