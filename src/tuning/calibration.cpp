#include "tuning/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "scoring/bootstrap.h"
#include "scoring/log_tree.h"
#include "submissions/registry.h"

namespace trainperf::calibration {

namespace fs = std::filesystem;
using nlohmann::json;

CalibrationSpace parse_calibration_space(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw SearchSpaceError(origin + ": not valid JSON: " + e.what());
  }
  CalibrationSpace out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end();) {
      if (it.key().rfind('_', 0) != 0) {
        ++it;
        continue;
      }
      if (!it.value().is_string())
        throw SearchSpaceError(origin + ": '" + it.key() + "' is a note (keys starting with '_' are), so a string; got " +
                               it.value().dump());
      if (it.key() == "_source") out.source = it.value().get<std::string>();
      it = j.erase(it);
    }
  }
  out.space = SearchSpace::parse(j.dump(), origin);
  return out;
}

CalibrationSpace calibration_space(const SubmissionEntry& sub, const std::string& path) {
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) throw SearchSpaceError(path + ": cannot open the calibration search space (--search-space)");
    std::stringstream text;
    text << in.rdbuf();
    return parse_calibration_space(text.str(), path);
  }
  const SubmissionEntry* owner = &sub;
  for (int hop = 0; hop < 2; ++hop) {
    const std::string file = owner->folder + "/" + kCalibrationSpaceFile;
    if (const auto it = embedded_files().find(file); it != embedded_files().end())
      return parse_calibration_space(it->second, "src/submissions/" + file);
    if (owner->base.empty()) break;
    owner = &submissions().find(owner->base);
  }
  throw SearchSpaceError(fmt::format("submission '{}' ships no {} (src/submissions/{}/); give --search-space FILE "
                                     "with the ranges to calibrate over",
                                     sub.name, kCalibrationSpaceFile, sub.folder));
}

std::vector<Hyperparameters> sample_candidates(const SubmissionEntry& sub, const SearchSpace& space, int count,
                                               uint64_t seed) {
  if (count < 1) throw std::invalid_argument("--configs must be at least 1");
  const Hyperparameters defaults = sub.self_tuning_config();
  std::vector<Hyperparameters> out{defaults};
  for (int i = 1; i < count; ++i) {
    Hyperparameters h = defaults;
    const Hyperparameters sampled = space.point(i - 1, seed);
    for (const auto& [key, value] : sampled.values()) h.set(key, value);
    out.push_back(sub.resolve(h, space.describe_point(i - 1)));
  }
  return out;
}

double capped_ratio(double time, double reference) {
  if (!(reference > 0)) throw std::invalid_argument("the reference of a ratio must be above 0");
  if (!std::isfinite(time)) return kTauMax;
  return std::min(kTauMax, time / reference);
}

namespace {
std::vector<size_t> all_of(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}
}  // namespace

double workload_ratio(const std::vector<double>& study_ratios, const std::vector<size_t>& studies) {
  std::vector<double> picked;
  for (size_t s : studies.empty() ? all_of(study_ratios.size()) : studies) picked.push_back(study_ratios.at(s));
  return scoring::median(picked);
}

double criterion_score(const std::vector<std::vector<double>>& ratios, const std::vector<size_t>& studies) {
  if (ratios.empty()) return scoring::kNaN;
  double log_sum = 0;
  for (const auto& w : ratios) log_sum += std::log(workload_ratio(w, studies));
  return std::exp(log_sum / static_cast<double>(ratios.size()));
}

std::vector<std::vector<size_t>> draw_study_resamples(size_t studies, int replicates, uint64_t seed) {
  std::vector<std::vector<size_t>> out;
  if (studies < 2) return out;
  scoring::SplitMix64 rng(seed);
  for (int r = 0; r < replicates; ++r) {
    std::vector<size_t> picks(studies);
    for (auto& p : picks) p = rng.index(studies);
    out.push_back(std::move(picks));
  }
  return out;
}

Interval score_interval(const std::vector<std::vector<double>>& ratios,
                        const std::vector<std::vector<size_t>>& resamples) {
  Interval out;
  const size_t studies = ratios.empty() ? 0 : ratios.front().size();
  if (studies < 2 || resamples.empty()) {
    out.unavailable = fmt::format("{} study: no interval can be given (run --studies 2 or more)", studies);
    return out;
  }
  std::vector<double> scores;
  for (const auto& picks : resamples) scores.push_back(criterion_score(ratios, picks));
  const double tail = (1 - scoring::kIntervalLevel) / 2 * 100;
  out.low = scoring::percentile(scores, tail);
  out.high = scoring::percentile(scores, 100 - tail);
  return out;
}

CandidateResult measure_candidate(const fs::path& submission_dir, int index,
                                  const std::vector<WorkloadReference>& workloads, int studies,
                                  const std::vector<std::vector<size_t>>& resamples, scoring::Diagnostics& diag) {
  CandidateResult c;
  c.index = index;
  scoring::SubmissionLogs logs;
  try {
    if (!fs::is_directory(submission_dir)) {
      c.missing = submission_dir.string() + " does not exist yet";
      return c;
    }
    logs = scoring::read_submission(submission_dir, submission_dir.filename().string(), diag, {true});
  } catch (const scoring::ScoringError& e) {
    c.missing = e.what();
    return c;
  }
  for (const auto& w : workloads) {
    std::vector<TrialMeasure> measures;
    std::vector<double> ratios;
    for (int s = 0; s < studies; ++s) {
      const scoring::TrialLogs* trial = nullptr;
      for (const auto& study : logs.studies)
        if (study.index == s)
          if (const scoring::WorkloadLogs* wl = study.find(w.workload))
            for (const auto& t : wl->trials)
              if (t.index == 1) trial = &t;
      if (!trial) {
        c.missing = fmt::format("{}/study_{}/{}: trial_1 is not finished", submission_dir.string(), s, w.workload);
        return c;
      }
      TrialMeasure m;
      m.study = s;
      const scoring::TrialTime seconds = scoring::trial_time_to_target(*trial, w.target, scoring::TimeAxis::Time, diag);
      m.reached = seconds.reached();
      m.seconds = seconds.value;
      if (w.budget_reference_steps > 0) {
        const scoring::TrialTime steps =
            scoring::trial_time_to_target(*trial, w.target, scoring::TimeAxis::ReferenceSteps, diag);
        m.reference_steps = steps.value;
        if (m.reached && !steps.reached())
          throw scoring::ScoringError(trial->dir.string() +
                                      ": no reference step recorded (meta_data_0.json), so its time cannot be put "
                                      "in reference steps");
        m.ratio = capped_ratio(m.reached ? m.reference_steps : scoring::kInf, w.budget_reference_steps);
      } else {
        m.reference_steps = scoring::kNaN;
        m.ratio = capped_ratio(m.seconds, w.target.max_runtime);
      }
      ratios.push_back(m.ratio);
      measures.push_back(m);
    }
    c.trials.push_back(std::move(measures));
    c.ratios.push_back(ratios);
    c.workload_ratios.push_back(workload_ratio(ratios));
  }
  c.score = criterion_score(c.ratios);
  c.interval = score_interval(c.ratios, resamples);
  return c;
}

std::vector<int> halving_schedule(int studies, int eta) {
  if (studies < 1) throw std::invalid_argument("--studies must be at least 1");
  if (eta < 2) throw std::invalid_argument("--halving: eta must be at least 2");
  std::vector<int> out;
  for (int64_t s = 1;; s *= eta) {
    out.push_back(static_cast<int>(std::min<int64_t>(s, studies)));
    if (s >= studies) break;
  }
  return out;
}

namespace {
std::vector<int> ranked(const std::vector<int>& candidates, const std::vector<double>& scores) {
  if (scores.size() != candidates.size()) throw std::invalid_argument("one score per candidate");
  std::vector<size_t> order = all_of(candidates.size());
  auto key = [&](size_t i) { return std::isnan(scores[i]) ? scoring::kInf : scores[i]; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return key(a) != key(b) ? key(a) < key(b) : candidates[a] < candidates[b];
  });
  std::vector<int> out;
  for (size_t i : order) out.push_back(candidates[i]);
  return out;
}
}  // namespace

std::vector<int> halving_keep(const std::vector<int>& candidates, const std::vector<double>& scores, int eta) {
  if (eta < 2) throw std::invalid_argument("--halving: eta must be at least 2");
  std::vector<int> order = ranked(candidates, scores);
  order.resize((candidates.size() + eta - 1) / eta);
  return order;
}

int choose(const std::vector<std::vector<double>>& workload_ratios, const std::vector<int>& candidates,
           const std::vector<bool>& include) {
  if (candidates.empty()) throw std::invalid_argument("no candidates to choose from");
  std::vector<double> scores;
  for (int c : candidates) {
    double log_sum = 0;
    int n = 0;
    for (size_t w = 0; w < include.size(); ++w)
      if (include[w]) log_sum += std::log(workload_ratios.at(c).at(w)), ++n;
    scores.push_back(n ? std::exp(log_sum / n) : scoring::kNaN);
  }
  return ranked(candidates, scores).front();
}

std::vector<LeaveOneOut> leave_one_out(const std::vector<std::vector<double>>& workload_ratios,
                                       const std::vector<int>& candidates) {
  std::vector<LeaveOneOut> out;
  if (candidates.empty()) return out;
  const size_t num_workloads = workload_ratios.at(candidates.front()).size();
  if (num_workloads < 2) return out;  // nothing to choose on without the held-out one
  const int with = choose(workload_ratios, candidates, std::vector<bool>(num_workloads, true));
  for (size_t h = 0; h < num_workloads; ++h) {
    std::vector<bool> include(num_workloads, true);
    include[h] = false;
    LeaveOneOut l;
    l.held_out = h;
    l.chosen_without = choose(workload_ratios, candidates, include);
    l.chosen_with = with;
    l.ratio_without = workload_ratios[l.chosen_without][h];
    l.ratio_with = workload_ratios[with][h];
    l.drop = l.ratio_without / l.ratio_with;
    out.push_back(l);
  }
  return out;
}

json criterion_description() {
  return {
      {"name", "geometric mean of capped time-to-target ratios"},
      {"description",
       fmt::format("per workload and study: time to target in reference steps / the workload's budget in reference "
                   "steps (fixed: 4/3 of the target-setting configuration's median time; seconds / max_runtime for a "
                   "workload budgeted in seconds), a missed target counting as {0} and ratios capped at {0} "
                   "(AlgoPerf's tau_max); per workload the median over studies; the score is the geometric mean over "
                   "workloads. Lower is better; it depends on no other candidate.",
                   kTauMax)},
      {"tau_max", kTauMax},
      {"lower_is_better", true},
      {"interval",
       {{"method", "percentile bootstrap over studies (a drawn study brings all its workloads); every candidate "
                   "uses the same resamples"},
        {"level", scoring::kIntervalLevel},
        {"replicates", kBootstrapReplicates},
        {"seed", scoring::kDefaultBootstrapSeed}}},
  };
}

}  // namespace trainperf::calibration
