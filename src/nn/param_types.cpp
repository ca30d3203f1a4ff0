#include "nn/param_types.h"

#include <unordered_map>

#include "nn/transformer.h"

namespace trainperf {

namespace {

template <typename... Impls>
bool is_any(torch::nn::Module& m) {
  return ((dynamic_cast<Impls*>(&m) != nullptr) || ...);
}

bool is_attention(const torch::nn::Module* m) {
  return m != nullptr && (dynamic_cast<const nn::MultiHeadAttentionImpl*>(m) != nullptr ||
                          dynamic_cast<const torch::nn::MultiheadAttentionImpl*>(m) != nullptr);
}

// `parent` is the module holding `owner` (null for the root), `owner_name` owner's name in it.
ParamType classify(torch::nn::Module& owner, const std::string& local_name, const torch::nn::Module* parent,
                   const std::string& owner_name) {
  const bool is_bias = local_name == "bias" || local_name.find("bias") != std::string::npos;
  // The projections inside an attention module: "out"/"out_proj" is the output projection, every
  // other Linear (qkv, q, k, v, kv) projects queries, keys or values. Biases stay biases.
  if (is_attention(parent) && is_any<torch::nn::LinearImpl>(owner)) {
    if (is_bias) return ParamType::Bias;
    return owner_name == "out" || owner_name == "out_proj" ? ParamType::AttentionOut : ParamType::AttentionQKV;
  }
  if (is_any<torch::nn::BatchNorm1dImpl, torch::nn::BatchNorm2dImpl, torch::nn::BatchNorm3dImpl,
             torch::nn::LayerNormImpl, torch::nn::GroupNormImpl, torch::nn::InstanceNorm1dImpl,
             torch::nn::InstanceNorm2dImpl>(owner))
    return is_bias ? ParamType::NormBias : ParamType::NormScale;
  if (is_any<torch::nn::Conv1dImpl, torch::nn::Conv2dImpl, torch::nn::Conv3dImpl,
             torch::nn::ConvTranspose1dImpl, torch::nn::ConvTranspose2dImpl>(owner))
    return is_bias ? ParamType::Bias : ParamType::ConvWeight;
  if (is_any<torch::nn::EmbeddingImpl, torch::nn::EmbeddingBagImpl>(owner)) return ParamType::Embedding;
  if (is_any<torch::nn::MultiheadAttentionImpl>(owner)) {  // in_proj_weight, q/k/v_proj_weight
    return is_bias ? ParamType::Bias : ParamType::AttentionQKV;
  }
  if (is_any<torch::nn::LinearImpl, torch::nn::BilinearImpl>(owner))
    return is_bias ? ParamType::Bias : ParamType::Weight;
  return is_bias ? ParamType::Bias : ParamType::Other;
}

}  // namespace

std::vector<ParamInfo> infer_param_types(torch::nn::Module& model) {
  std::vector<ParamInfo> out;
  std::unordered_map<std::string, const torch::nn::Module*> by_name;
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const std::string& prefix = item.key();
    auto& module = *item.value();
    by_name[prefix] = &module;
    const size_t dot = prefix.rfind('.');
    const torch::nn::Module* parent = nullptr;
    if (!prefix.empty()) {
      auto it = by_name.find(dot == std::string::npos ? "" : prefix.substr(0, dot));
      if (it != by_name.end()) parent = it->second;
    }
    const std::string owner_name = dot == std::string::npos ? prefix : prefix.substr(dot + 1);
    for (const auto& p : module.named_parameters(/*recurse=*/false)) {
      std::string full = prefix.empty() ? p.key() : prefix + "." + p.key();
      out.push_back(ParamInfo{full, classify(module, p.key(), parent, owner_name), p.value()});
    }
  }
  return out;
}

}  // namespace trainperf
