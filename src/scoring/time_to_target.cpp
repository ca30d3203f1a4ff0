#include "scoring/time_to_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace trainperf::scoring {

namespace {
}  // namespace

const char* to_string(TimeAxis axis) {
  switch (axis) {
    case TimeAxis::Time: return "time";
    case TimeAxis::Steps: return "steps";
    case TimeAxis::ReferenceSteps: return "reference-steps";
  }
  return "?";
}
const char* time_column(TimeAxis axis) { return axis == TimeAxis::Steps ? "global_step" : "score"; }

double recorded_reference_step(const TrialLogs& trial) {
  const nlohmann::json& m = trial.meta;
  if (!m.is_object() || !m.contains("reference_step") || !m["reference_step"].is_object()) return kNaN;
  const nlohmann::json& r = m["reference_step"];
  if (!r.contains("median_s") || !r["median_s"].is_number()) return kNaN;
  const double s = r["median_s"].get<double>();
  return s > 0 ? s : kNaN;
}

int WorkloadTimes::studies_reached() const {
  return static_cast<int>(std::count_if(studies.begin(), studies.end(), [](const StudyTime& s) { return s.reached(); }));
}

TrialTime trial_time_to_target(const TrialLogs& trial, const WorkloadTarget& target, TimeAxis axis,
                               Diagnostics& diag) {
  TrialTime out;
  out.trial = trial.index;
  out.value = kInf;
  out.best_metric = kNaN;
  const CsvTable& evals = trial.evals;
  out.num_evals = evals.rows.size();
  const std::string where = trial.eval_file.string();
  if (evals.header.empty()) return out;

  const int metric_col = evals.column(target.metric);
  if (metric_col < 0) {
    diag.warn(where, "no column '" + target.metric + "'; the trial counts as not reaching the target");
    return out;
  }
  double scale = 1.0;
  if (axis == TimeAxis::ReferenceSteps) {
    const double ref = recorded_reference_step(trial);
    if (std::isnan(ref)) {
      diag.warn(trial.dir.string(), "no reference step in meta_data_0.json (another runner's logs, or a budget in "
                                    "seconds); the trial counts as not reaching the target by reference steps");
      return out;
    }
    scale = 1.0 / ref;
  }
  int time_col = evals.column(time_column(axis));
  if (time_col < 0 && axis != TimeAxis::Steps) {
    time_col = evals.column("accumulated_submission_time");
    if (time_col >= 0)
      diag.warn(where, "no column 'score'; using 'accumulated_submission_time' (the same clock)");
  }
  if (time_col < 0) {
    diag.warn(where, std::string("no column '") + time_column(axis) +
                         "'; the trial counts as not reaching the target");
    return out;
  }

  for (size_t i = 0; i < evals.rows.size(); ++i) {
    const std::string& cell = evals.rows[i][metric_col];
    const double v = parse_number(cell);
    if (std::isnan(v)) {  // a diverged ("nan") or unlogged ("") eval meets no target
      // Anything else was written by something other than a logger: counting it silently as "not
      // reached" can turn a score into 0, so say where it is.
      if (!is_number(cell) && cell.find_first_not_of(" \t") != std::string::npos)
        diag.warn(where, fmt::format("line {}: '{}' value '{}' is not a number; this eval counts as not reaching "
                                     "the target",
                                     i < evals.lines.size() ? evals.lines[i] : i + 2, target.metric,
                                     cell.size() > 40 ? cell.substr(0, 37) + "..." : cell));
      continue;
    }
    if (std::isnan(out.best_metric) || (target.goal == Goal::Minimize ? v < out.best_metric : v > out.best_metric))
      out.best_metric = v;
    if (out.eval_index || !target.meets(v)) continue;
    const double t = parse_number(evals.rows[i][time_col]);
    if (std::isnan(t)) {
      diag.warn(where, fmt::format("eval row {} meets the target but has no '{}' value; the trial counts as "
                                   "not reaching the target", i + 1, evals.header[time_col]));
      return out;
    }
    out.eval_index = i;
    out.value = t * scale;
  }
  return out;
}

StudyTime study_time_to_target(int study, std::vector<TrialTime> trials) {
  StudyTime out;
  out.study = study;
  out.value = kInf;
  std::optional<size_t> best_index;
  for (const auto& t : trials) {
    if (!t.reached()) continue;
    // The smallest eval index; at the same index the faster trial, then the first listed (trials are
    // listed by trial number). This reproduces every published v0.5 and v0.6 score (docs/scoring.md).
    if (!best_index || *t.eval_index < *best_index || (*t.eval_index == *best_index && t.value < out.value)) {
      best_index = t.eval_index;
      out.best_trial = t.trial;
      out.value = t.value;
    }
  }
  out.trials = std::move(trials);
  return out;
}

double median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

WorkloadTimes workload_time_to_target(std::vector<StudyTime> studies) {
  WorkloadTimes out;
  std::vector<double> values;
  for (const auto& s : studies) values.push_back(s.value);
  out.studies = std::move(studies);
  out.median = median(values);
  out.min = values.empty() ? kNaN : *std::min_element(values.begin(), values.end());
  out.max = values.empty() ? kNaN : *std::max_element(values.begin(), values.end());
  return out;
}

}  // namespace trainperf::scoring
