#include "scoring/performance_profile.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace trainperf::scoring {

namespace {
bool not_finite_time(double t) { return std::isnan(t) || std::isinf(t); }
}  // namespace

int TimeTable::workload_index(const std::string& name) const {
  for (size_t i = 0; i < workloads.size(); ++i)
    if (workloads[i] == name) return static_cast<int>(i);
  return -1;
}

double TimeTable::column_min(size_t w) const {
  double m = kNaN;
  for (const auto& row : t)
    if (!std::isnan(row[w]) && (std::isnan(m) || row[w] < m)) m = row[w];
  return m;
}

TimeTable apply_scoring_rules(const TimeTable& times, const TargetTable& targets, TimeTable* after_cap,
                              std::vector<std::vector<std::string>>* why) {
  TimeTable t = times;
  std::vector<std::vector<std::string>> reason(t.t.size(), std::vector<std::string>(t.workloads.size()));
  auto column = [&](const std::string& name) {
    const int i = t.workload_index(name);
    if (i < 0) throw std::logic_error("apply_scoring_rules: no column for workload '" + name + "'");
    return static_cast<size_t>(i);
  };
  // 4. A variant counts only for submissions that reached its base.
  for (const auto& w : targets.workloads) {
    if (!w.is_variant()) continue;
    const size_t v = column(w.name), b = column(w.base);
    for (size_t s = 0; s < t.t.size(); ++s)
      if (not_finite_time(t.t[s][b]) && !std::isinf(t.t[s][v])) {
        t.t[s][v] = kInf;
        reason[s][v] = "base " + w.base + (std::isnan(t.t[s][b]) ? " missing" : " not reached");
      }
  }
  // 5. The 4x cap, on every column.
  for (size_t w = 0; w < t.workloads.size(); ++w) {
    const double cap = kMaxRatio * t.column_min(w);
    for (size_t s = 0; s < t.t.size(); ++s)
      if (t.t[s][w] > cap && std::isfinite(t.t[s][w])) {
        t.t[s][w] = kInf;
        reason[s][w] = "over 4x the fastest";
      }
  }
  if (after_cap) *after_cap = t;
  // 6. A base counts only where its variant was reached too.
  for (const auto& w : targets.workloads) {
    if (!w.is_variant()) continue;
    const size_t v = column(w.name), b = column(w.base);
    for (size_t s = 0; s < t.t.size(); ++s) {
      if (!not_finite_time(t.t[s][v])) continue;
      if (std::isfinite(t.t[s][b]))
        reason[s][b] = "held-out variant " + w.name + " " +
                       (std::isnan(t.t[s][v]) ? "missing" : reason[s][v].empty() ? "not reached" : reason[s][v]);
      t.t[s][b] = kInf;
    }
  }
  TimeTable bases;
  bases.submissions = t.submissions;
  bases.t.resize(t.t.size());
  if (why) why->assign(t.t.size(), {});
  for (const auto& name : targets.base_names()) {
    const size_t b = column(name);
    bases.workloads.push_back(name);
    for (size_t s = 0; s < t.t.size(); ++s) {
      bases.t[s].push_back(t.t[s][b]);
      if (why) (*why)[s].push_back(reason[s][b]);
    }
  }
  return bases;
}

std::vector<std::vector<double>> performance_ratios(const TimeTable& base_times) {
  std::vector<std::vector<double>> r = base_times.t;
  for (size_t w = 0; w < base_times.workloads.size(); ++w) {
    const double best = base_times.column_min(w);
    for (auto& row : r) row[w] = row[w] / best;  // IEEE: inf/inf and x/NaN are NaN, as in pandas
  }
  return r;
}

std::vector<double> profile_taus(int num_points, double tau_max) {
  // numpy.linspace(start, stop, num): step = (stop - start) / (num - 1); y = k * step + start;
  // y[-1] = stop. The product is stored before the sum so no fused multiply-add can change it.
  const double start = 1.0;
  std::vector<double> taus(num_points);
  const double step = (tau_max - start) / (num_points - 1);
  for (int k = 0; k < num_points; ++k) {
    volatile double scaled = k * step;
    taus[k] = scaled + start;
  }
  taus.back() = tau_max;
  return taus;
}

PerformanceProfile performance_profile(const std::vector<std::vector<double>>& ratios, size_t num_base_workloads,
                                       int num_points, double tau_max) {
  if (num_base_workloads == 0) throw std::invalid_argument("performance_profile: no base workloads");
  PerformanceProfile p;
  p.taus = profile_taus(num_points, tau_max);
  for (const auto& row : ratios) {
    std::vector<double> rho;
    for (double tau : p.taus) {
      size_t count = 0;
      for (double r : row) count += r <= tau ? 1 : 0;  // NaN compares false
      rho.push_back(static_cast<double>(count) / static_cast<double>(num_base_workloads));
    }
    p.rho.push_back(std::move(rho));
  }
  return p;
}

std::vector<double> benchmark_scores(const PerformanceProfile& p) {
  std::vector<double> scores;
  const double range = p.taus.back() - p.taus.front();
  for (const auto& rho : p.rho) {
    // numpy.trapz: sum of (x[i+1] - x[i]) * (y[i+1] + y[i]) / 2.
    double area = 0;
    for (size_t k = 0; k + 1 < p.taus.size(); ++k) area += (p.taus[k + 1] - p.taus[k]) * (rho[k + 1] + rho[k]) / 2.0;
    scores.push_back(area / range);
  }
  return scores;
}

}  // namespace trainperf::scoring
