// Training algorithms whose evaluation weights differ from the weights they train (Schedule-Free's
// x, DoG's polynomial average, EMA, LAWA) expose them through one small interface, so a submission
// can swap them in before an evaluation and back out before the next update.
#pragma once

namespace trainperf {

class EvalWeights {
 public:
  virtual ~EvalWeights() = default;
  // Parameters <- evaluation weights. Idempotent.
  virtual void swap_in() = 0;
  // Parameters <- the training weights, bit for bit as they were before swap_in(). Idempotent.
  virtual void swap_out() = 0;
  virtual bool swapped_in() const = 0;
};

}  // namespace trainperf
