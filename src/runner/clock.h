// Clocks the runner stamps with; tests inject their own (tests/support/manual_clock.h).
#pragma once

#include <chrono>
#include <functional>

namespace trainperf {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() = 0;  // seconds, monotonic
};

class SteadyClock final : public Clock {
 public:
  double now() override {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
  }
};

}  // namespace trainperf
