#pragma once

#include <trainperf/types.h>

namespace trainperf {

// Parameter kinds read off the module tree: Linear -> weight/bias, Conv -> conv_weight/bias,
// BatchNorm/LayerNorm/GroupNorm -> norm_scale/norm_bias, Embedding -> embedding,
// attention modules (torch::nn::MultiheadAttention, nn::MultiHeadAttention): the q/k/v/kv/qkv
// projections -> attention_qkv, "out"/"out_proj" -> attention_out, their biases -> bias.
// Names are the module's dotted names.
std::vector<ParamInfo> infer_param_types(torch::nn::Module& model);

}  // namespace trainperf
