// Clocks the runner stamps with; tests inject a fake one.
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

// A clock the test moves by hand (e.g. from inside a fake submission's update).
class ManualClock final : public Clock {
 public:
  double now() override { return t_; }
  void advance(double seconds) { t_ += seconds; }

 private:
  double t_ = 1000.0;
};

}  // namespace trainperf
