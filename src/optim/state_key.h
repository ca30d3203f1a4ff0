// The optimizer-state map key changed from a string (<= 2.1) to the TensorImpl pointer (>= 2.2).
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#include <string>

namespace trainperf {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2)
inline void* state_key(const torch::Tensor& p) { return p.unsafeGetTensorImpl(); }
#else
inline std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }
#endif

}  // namespace trainperf
