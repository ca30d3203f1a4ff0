// Out-of-line pieces of the public API (types.h, workload.h, distributed.h).
#include <trainperf/distributed.h>
#include <trainperf/workload.h>

#include <cstdlib>
#include <string>

#include "nn/batch_norm.h"
#include "nn/param_types.h"

namespace trainperf {

Batch Batch::to(const torch::Device& device, bool non_blocking) const {
  auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device, non_blocking) : t; };
  Batch b;
  b.inputs = move(inputs);
  b.targets = move(targets);
  b.weights = move(weights);
  for (const auto& [k, v] : extras) b.extras[k] = move(v);
  return b;
}

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Weight: return "weight";
    case ParamType::Bias: return "bias";
    case ParamType::ConvWeight: return "conv_weight";
    case ParamType::NormScale: return "norm_scale";
    case ParamType::NormBias: return "norm_bias";
    case ParamType::Embedding: return "embedding";
    case ParamType::AttentionQKV: return "attention_qkv";
    case ParamType::AttentionOut: return "attention_out";
    case ParamType::Other: return "other";
  }
  return "other";
}

const char* split_prefix(Split s) {
  switch (s) {
    case Split::EvalTrain: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
  }
  return "?";
}

std::vector<ParamInfo> Workload::param_infos(Model& model) const { return infer_param_types(model); }

torch::Tensor with_memory_format(const torch::Tensor& x, torch::MemoryFormat f) {
  if (x.dim() != 4) return x;
  const auto sizes = x.sizes();
  std::vector<int64_t> want;
  if (f == torch::MemoryFormat::ChannelsLast) {
    want = c10::get_channels_last_strides_2d(sizes);
  } else {
    want = {sizes[1] * sizes[2] * sizes[3], sizes[2] * sizes[3], sizes[3], 1};
  }
  if (x.strides() == c10::IntArrayRef(want)) return x;
  return torch::empty_strided(sizes, want, x.options()).copy_(x);
}

torch::Tensor Workload::model_fn(Model& model, const Batch& batch, ForwardMode mode,
                                 bool update_batch_norm) const {
  model.train(mode == ForwardMode::Train);
  const Batch* input = &batch;
  Batch laid_out;
  const std::optional<torch::MemoryFormat> format = input_memory_format();
  if (format && batch.inputs.defined() && batch.inputs.dim() == 4) {
    laid_out = batch;
    laid_out.inputs = with_memory_format(batch.inputs, *format);
    input = &laid_out;
  }
  if (mode == ForwardMode::Train && !update_batch_norm) {
    FreezeBatchNormStats freeze(model);
    return model.forward(*input);
  }
  return model.forward(*input);
}

void average_gradients(Communicator& comm, const std::vector<torch::Tensor>& params) {
  const int world = comm.info().world_size;
  if (world == 1) return;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  comm.all_reduce_sum(grads);
  for (auto& g : grads) g.div_(world);
}

}  // namespace trainperf
