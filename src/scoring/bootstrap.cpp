#include "scoring/bootstrap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace trainperf::scoring {

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<StudyTimes> study_times(const std::vector<std::vector<WorkloadTimes>>& times) {
  std::vector<StudyTimes> out;
  for (const auto& row : times) {
    std::set<int> numbers;
    for (const auto& w : row)
      for (const auto& s : w.studies) numbers.insert(s.study);
    StudyTimes st;
    st.studies.assign(numbers.begin(), numbers.end());
    for (const auto& w : row) {
      std::vector<double> values(st.studies.size(), kNaN);
      for (const auto& s : w.studies) {
        const auto at = std::lower_bound(st.studies.begin(), st.studies.end(), s.study) - st.studies.begin();
        values[static_cast<size_t>(at)] = s.value;
      }
      st.value.push_back(std::move(values));
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::vector<Resample> draw_resamples(const std::vector<StudyTimes>& studies, int replicates, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<Resample> out(static_cast<size_t>(std::max(replicates, 0)));
  for (auto& resample : out)
    for (const auto& st : studies) {
      std::vector<size_t> picks;
      for (size_t i = 0; i < st.studies.size(); ++i) picks.push_back(rng.index(st.studies.size()));
      resample.push_back(std::move(picks));
    }
  return out;
}

ReplicateScores score_resample(const std::vector<StudyTimes>& studies, const Resample& picks, const TimeTable& layout,
                               const TargetTable& targets) {
  ReplicateScores r;
  r.raw.submissions = layout.submissions;
  r.raw.workloads = layout.workloads;
  for (size_t s = 0; s < studies.size(); ++s) {
    std::vector<double> row;
    for (const auto& per_study : studies[s].value) {
      std::vector<double> drawn;
      for (size_t pick : picks[s])
        if (!std::isnan(per_study[pick])) drawn.push_back(per_study[pick]);
      row.push_back(median(std::move(drawn)));  // NaN (missing) when no drawn study logged the workload
    }
    r.raw.t.push_back(std::move(row));
  }
  const TimeTable scored = apply_scoring_rules(r.raw, targets);
  r.profile = performance_profile(performance_ratios(scored), scored.workloads.size());
  r.scores = benchmark_scores(r.profile);
  return r;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  for (double v : values)
    if (std::isnan(v)) return kNaN;
  std::sort(values.begin(), values.end());
  // numpy's "linear" method, operation for operation: virtual index (n - 1) * q, then its two-sided
  // lerp (from below for t < 0.5, from above otherwise).
  const double quantile = q / 100.0;
  const double virtual_index = static_cast<double>(values.size() - 1) * quantile;
  const double below = std::floor(virtual_index);
  const auto last = values.size() - 1;
  const size_t i = std::min(static_cast<size_t>(std::max(below, 0.0)), last);
  const size_t j = std::min(i + 1, last);
  const double t = virtual_index - below;
  const double a = values[i], b = values[j];
  if (a == b || t == 0) return a;
  if (std::isinf(a) || std::isinf(b)) return std::isinf(b) ? b : a;  // numpy: NaN; the limit is what we mean
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

void summarize_replicates(Bootstrap& b, const std::vector<PerformanceProfile>* profiles) {
  const size_t n_rep = b.scores.size();
  const size_t n_sub = n_rep ? b.scores.front().size() : 0;
  const double tail = (1 - b.level) / 2 * 100;
  b.low.assign(n_sub, kNaN);
  b.high.assign(n_sub, kNaN);
  b.pairwise.assign(n_sub, std::vector<double>(n_sub, 0.0));
  b.rank_probability.assign(n_sub, std::vector<double>(n_sub, 0.0));
  if (n_rep == 0) return;
  for (size_t s = 0; s < n_sub; ++s) {
    std::vector<double> column;
    for (const auto& rep : b.scores) column.push_back(rep[s]);
    b.low[s] = percentile(column, tail);
    b.high[s] = percentile(column, 100 - tail);
  }
  // Counted, then divided once: summing 1/n n times would give 1.0000000000000007.
  for (const auto& rep : b.scores)
    for (size_t s = 0; s < n_sub; ++s) {
      size_t better = 0;
      for (size_t o = 0; o < n_sub; ++o) {
        if (rep[s] > rep[o]) b.pairwise[s][o] += 1;
        if (rep[o] > rep[s]) ++better;
      }
      b.rank_probability[s][better] += 1;
    }
  for (size_t s = 0; s < n_sub; ++s)
    for (size_t o = 0; o < n_sub; ++o) {
      b.pairwise[s][o] /= static_cast<double>(n_rep);
      b.rank_probability[s][o] /= static_cast<double>(n_rep);
    }
  if (!profiles || profiles->empty()) return;
  const size_t n_tau = profiles->front().taus.size();
  b.rho_low.assign(n_sub, std::vector<double>(n_tau, kNaN));
  b.rho_high.assign(n_sub, std::vector<double>(n_tau, kNaN));
  for (size_t s = 0; s < n_sub; ++s)
    for (size_t k = 0; k < n_tau; ++k) {
      std::vector<double> column;
      for (const auto& p : *profiles) column.push_back(p.rho[s][k]);
      b.rho_low[s][k] = percentile(column, tail);
      b.rho_high[s][k] = percentile(column, 100 - tail);
    }
}

Bootstrap bootstrap_scores(const std::vector<StudyTimes>& studies, const TimeTable& layout, const TargetTable& targets,
                           int replicates, uint64_t seed) {
  Bootstrap b;
  b.replicates = std::max(replicates, 0);
  b.seed = seed;
  if (replicates <= 0) {
    b.unavailable = "no interval: the bootstrap is off (--bootstrap 0)";
    return b;
  }
  std::string single;
  for (size_t s = 0; s < studies.size(); ++s)
    if (studies[s].studies.size() < 2)
      single += fmt::format("{}{} ({} stud{})", single.empty() ? "" : ", ", layout.submissions[s],
                            studies[s].studies.size(), studies[s].studies.size() == 1 ? "y" : "ies");
  if (!single.empty()) {
    b.unavailable = "no interval can be given: an interval over studies needs at least two studies of every "
                    "submission; " + single + " logged fewer";
    return b;
  }
  std::vector<PerformanceProfile> profiles;
  for (const auto& picks : draw_resamples(studies, replicates, seed)) {
    auto rep = score_resample(studies, picks, layout, targets);
    b.scores.push_back(rep.scores);
    b.medians.push_back(rep.raw.t);
    profiles.push_back(std::move(rep.profile));
  }
  summarize_replicates(b, &profiles);
  return b;
}

}  // namespace trainperf::scoring
