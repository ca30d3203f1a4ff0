// A clock the test moves by hand (e.g. from inside a fake submission's update).
#pragma once

#include "runner/clock.h"

namespace trainperf {

class ManualClock final : public Clock {
 public:
  double now() override { return t_; }
  void advance(double seconds) { t_ += seconds; }

 private:
  double t_ = 1000.0;
};

}  // namespace trainperf
