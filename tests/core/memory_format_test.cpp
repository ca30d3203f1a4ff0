// The layout of image inputs is the workload's explicit choice (WorkloadSpec::input_memory_format).
#include <gtest/gtest.h>

#include <trainperf/workload.h>

#include "workloads/registry.h"

using namespace trainperf;

namespace {
std::vector<int64_t> strides_of(const torch::Tensor& t) { return t.strides().vec(); }
}  // namespace

TEST(MemoryFormat, OneChannelImagesGetTheRequestedStrides) {
  // [B, 1, H, W] counts as contiguous in both formats; contiguous(ChannelsLast) leaves it alone.
  const torch::Tensor nchw = torch::arange(2 * 1 * 3 * 4, torch::kFloat).view({2, 1, 3, 4});
  EXPECT_EQ(nchw.suggest_memory_format(), torch::MemoryFormat::Contiguous);
  EXPECT_EQ(strides_of(nchw.contiguous(torch::MemoryFormat::ChannelsLast)), strides_of(nchw));

  const torch::Tensor nhwc = with_memory_format(nchw, torch::MemoryFormat::ChannelsLast);
  EXPECT_EQ(strides_of(nhwc), (std::vector<int64_t>{12, 1, 4, 1}));
  EXPECT_EQ(nhwc.suggest_memory_format(), torch::MemoryFormat::ChannelsLast);
  EXPECT_TRUE(torch::equal(nhwc, nchw));

  const torch::Tensor back = with_memory_format(nhwc, torch::MemoryFormat::Contiguous);
  EXPECT_EQ(strides_of(back), (std::vector<int64_t>{12, 12, 4, 1}));
  EXPECT_TRUE(torch::equal(back, nchw));
  // Already in the format: the same tensor, no copy.
  EXPECT_TRUE(with_memory_format(nhwc, torch::MemoryFormat::ChannelsLast).is_same(nhwc));
  // Not an image batch: untouched.
  const torch::Tensor flat = torch::ones({3, 5});
  EXPECT_TRUE(with_memory_format(flat, torch::MemoryFormat::ChannelsLast).is_same(flat));
}

TEST(MemoryFormat, ManyChannels) {
  const torch::Tensor x = torch::randn({2, 3, 4, 5});
  const torch::Tensor cl = with_memory_format(x, torch::MemoryFormat::ChannelsLast);
  EXPECT_EQ(strides_of(cl), strides_of(x.contiguous(torch::MemoryFormat::ChannelsLast)));
  EXPECT_TRUE(torch::equal(cl, x));
}

TEST(MemoryFormat, WorkloadChoiceAndOverride) {
  auto resnet = make_workload("fmnist_resnet");
  ASSERT_TRUE(resnet->spec().input_memory_format.has_value());
  EXPECT_EQ(*resnet->input_memory_format(), torch::MemoryFormat::ChannelsLast);
  resnet->override_input_memory_format(torch::MemoryFormat::Contiguous);
  EXPECT_EQ(*resnet->input_memory_format(), torch::MemoryFormat::Contiguous);
  resnet->override_input_memory_format(std::nullopt);
  EXPECT_FALSE(resnet->input_memory_format().has_value());
  // The variant keeps its base's layout.
  EXPECT_EQ(make_workload("fmnist_resnet_large_bn_init")->spec().input_memory_format,
            resnet->spec().input_memory_format);
}

namespace {
// Records the strides its forward sees.
class StrideProbe : public Model {
 public:
  torch::Tensor forward(const Batch& b) override {
    seen = b.inputs.strides().vec();
    return b.inputs.sum();
  }
  std::vector<int64_t> seen;
};
}  // namespace

TEST(MemoryFormat, ModelFnLaysOutTheInputs) {
  auto resnet = make_workload("fmnist_resnet");
  StrideProbe probe;
  Batch b;
  b.inputs = torch::randn({4, 1, 28, 28});
  resnet->model_fn(probe, b, ForwardMode::Train);
  EXPECT_EQ(probe.seen, (std::vector<int64_t>{784, 1, 28, 1}));
  resnet->model_fn(probe, b, ForwardMode::Eval);
  EXPECT_EQ(probe.seen, (std::vector<int64_t>{784, 1, 28, 1}));
  resnet->override_input_memory_format(std::nullopt);
  resnet->model_fn(probe, b, ForwardMode::Train);
  EXPECT_EQ(probe.seen, (std::vector<int64_t>{784, 784, 28, 1}));
}
