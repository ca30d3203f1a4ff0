#include "nn/param_types.h"

#include <unordered_map>

namespace trainperf {

namespace {

template <typename... Impls>
bool is_any(torch::nn::Module& m) {
  return ((dynamic_cast<Impls*>(&m) != nullptr) || ...);
}

ParamType classify(torch::nn::Module& owner, const std::string& local_name) {
  const bool is_bias = local_name == "bias" || local_name.find("bias") != std::string::npos;
  if (is_any<torch::nn::BatchNorm1dImpl, torch::nn::BatchNorm2dImpl, torch::nn::BatchNorm3dImpl,
             torch::nn::LayerNormImpl, torch::nn::GroupNormImpl, torch::nn::InstanceNorm1dImpl,
             torch::nn::InstanceNorm2dImpl>(owner))
    return is_bias ? ParamType::NormBias : ParamType::NormScale;
  if (is_any<torch::nn::Conv1dImpl, torch::nn::Conv2dImpl, torch::nn::Conv3dImpl,
             torch::nn::ConvTranspose1dImpl, torch::nn::ConvTranspose2dImpl>(owner))
    return is_bias ? ParamType::Bias : ParamType::ConvWeight;
  if (is_any<torch::nn::EmbeddingImpl, torch::nn::EmbeddingBagImpl>(owner)) return ParamType::Embedding;
  if (is_any<torch::nn::MultiheadAttentionImpl>(owner)) {
    if (local_name.rfind("in_proj", 0) == 0) return ParamType::AttentionQKV;
    return is_bias ? ParamType::Bias : ParamType::AttentionOut;
  }
  if (is_any<torch::nn::LinearImpl, torch::nn::BilinearImpl>(owner))
    return is_bias ? ParamType::Bias : ParamType::Weight;
  return is_bias ? ParamType::Bias : ParamType::Other;
}

}  // namespace

std::vector<ParamInfo> infer_param_types(torch::nn::Module& model) {
  std::vector<ParamInfo> out;
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const std::string& prefix = item.key();
    auto& module = *item.value();
    for (const auto& p : module.named_parameters(/*recurse=*/false)) {
      std::string full = prefix.empty() ? p.key() : prefix + "." + p.key();
      out.push_back(ParamInfo{full, classify(module, p.key()), p.value()});
    }
  }
  return out;
}

}  // namespace trainperf
