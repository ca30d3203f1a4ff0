// Cautious optimizers (Liang, Chen, Liu & Liu 2024, "Cautious Optimizers: Improving Training with One
// Line of Code"; official code kyleliang919/C-Optim): an update coordinate whose sign disagrees with the
// current gradient is dropped, and the rest are scaled up by the fraction kept, per tensor:
//   mask = 1[u g > 0];  u <- u mask / max(mean(mask), 1e-3)
// u is the update direction before weight decay (AdamW's m, NAdamW's look-ahead b1 m + (1-b1) g; the
// mask depends only on its sign, so the positive bias-correction and preconditioner factors do not
// change it). The decay is not masked. An option of the optimizers that offer it (AdamW, NAdamW),
// not a wrapper around step(): the mask needs the direction without the decay, which only the
// optimizer can tell apart.
#pragma once

#include <torch/torch.h>

namespace trainperf {

// The rescaled mask of `update` against `grad` (one device reduction, no host sync).
inline torch::Tensor cautious_mask(const torch::Tensor& update, const torch::Tensor& grad) {
  torch::Tensor mask = (update * grad).gt(0).to(update.scalar_type());
  return mask.div_(mask.mean().clamp_min(1e-3));
}

}  // namespace trainperf
