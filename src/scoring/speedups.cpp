#include "scoring/speedups.h"

#include <cmath>
#include <limits>

namespace trainperf::scoring {

SpeedupSummary compute_speedups(const std::string& submission, const std::vector<double>& submission_times,
                                const std::string& baseline, const std::vector<double>& baseline_times,
                                const std::vector<std::string>& workloads, const std::vector<double>& budgets) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  SpeedupSummary out;
  out.submission = submission;
  out.baseline = baseline;
  double log_sum = 0;
  for (size_t w = 0; w < workloads.size(); ++w) {
    WorkloadSpeedup s;
    s.workload = workloads[w];
    auto substitute = [&](double t, bool& reached) {
      reached = std::isfinite(t);
      return std::isinf(t) ? budgets[w] + 1.0 : t;
    };
    s.submission_time = substitute(submission_times[w], s.submission_reached);
    s.baseline_time = substitute(baseline_times[w], s.baseline_reached);
    if (std::isnan(s.submission_time) || std::isnan(s.baseline_time)) {
      s.time_ratio = s.speedup = kNaN;
    } else {
      s.time_ratio = s.submission_time / s.baseline_time;
      s.speedup = s.baseline_time / s.submission_time;
      log_sum += std::log(s.speedup);
      ++out.workloads_compared;
    }
    out.workloads.push_back(s);
  }
  out.geomean_speedup = out.workloads_compared ? std::exp(log_sum / out.workloads_compared) : kNaN;
  out.geomean_time_ratio = 1.0 / out.geomean_speedup;
  return out;
}

}  // namespace trainperf::scoring
