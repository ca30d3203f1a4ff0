#pragma once

#include <trainperf/types.h>

namespace trainperf {

// Parameter kinds read off the module tree: Linear -> weight/bias, Conv -> conv_weight/bias,
// BatchNorm/LayerNorm/GroupNorm -> norm_scale/norm_bias, Embedding -> embedding,
// MultiheadAttention -> attention_qkv/attention_out. Names are the module's dotted names.
std::vector<ParamInfo> infer_param_types(torch::nn::Module& model);

}  // namespace trainperf
