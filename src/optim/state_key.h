// The key of an optimizer's per-parameter state map: the TensorImpl pointer (LibTorch >= 2.2; up to
// 2.1 it was a string made from that pointer).
#pragma once

#include <torch/torch.h>

namespace trainperf {

inline void* state_key(const torch::Tensor& p) { return p.unsafeGetTensorImpl(); }

}  // namespace trainperf
