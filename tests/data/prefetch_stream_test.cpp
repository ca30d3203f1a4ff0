// PrefetchBatchStream: the same batches in the same order as the stream it wraps, errors delivered
// in order, clean shutdown with a batch waiting.
#include <gtest/gtest.h>

#include <stdexcept>

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
  for (int i = 0; i < 20; ++i) {  // 8-example batches of 50 examples: several reshuffled epochs
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

TEST(PrefetchBatchStream, DestroyedWithABatchWaitingOrUnused) {
  { PrefetchBatchStream unused(numbers(1), 1); }
  {
    PrefetchBatchStream s(numbers(1), 1);
    s.next();  // the worker is making the next one, or has made it and waits
  }
  SUCCEED();
}
