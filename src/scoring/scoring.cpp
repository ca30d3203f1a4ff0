#include "scoring/scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "scoring/text_table.h"

namespace trainperf::scoring {

namespace fs = std::filesystem;

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::set<std::string> logged_workloads(const std::vector<SubmissionLogs>& logs) {
  std::set<std::string> names;
  for (const auto& sub : logs)
    for (const auto& study : sub.studies)
      for (const auto& w : study.workloads) names.insert(w.name);
  return names;
}

// "ours": the registered workloads the logs cover (and the base of any logged variant).
TargetTable restrict_to_logged(const TargetTable& table, const std::set<std::string>& logged) {
  TargetTable out = table;
  out.workloads.clear();
  for (const auto& w : table.workloads) {
    bool keep = logged.count(w.name) > 0;
    if (!w.is_variant())
      for (const auto& v : table.variants_of(w.name)) keep = keep || logged.count(v) > 0;
    if (keep) out.workloads.push_back(w);
  }
  return out;
}

// The largest value of a column logged by any trial of a workload (a budget stand-in).
double largest_logged(const std::vector<SubmissionLogs>& logs, const std::string& workload, TimeAxis axis) {
  double best = kNaN;
  for (const auto& sub : logs)
    for (const auto& study : sub.studies)
      if (const auto* w = study.find(workload))
        for (const auto& trial : w->trials) {
          const int c = trial.evals.column(time_column(axis));
          if (c < 0) continue;
          const double scale = axis == TimeAxis::ReferenceSteps ? 1.0 / recorded_reference_step(trial) : 1.0;
          if (std::isnan(scale)) continue;
          for (const auto& row : trial.evals.rows) {
            const double v = parse_number(row[c]) * scale;
            if (!std::isnan(v) && (std::isnan(best) || v > best)) best = v;
          }
        }
  return best;
}

// The budget AlgoPerf's runner logged for a workload (meta_data_0.json's
// `workload.max_allowed_runtime_sec`, before the self-tuning factor); NaN when no trial has it. Trials
// that disagree get a warning and the largest value.
double logged_budget(const std::vector<SubmissionLogs>& logs, const std::string& workload, Diagnostics& diag) {
  double budget = kNaN;
  std::string first_dir;
  bool warned = false;
  for (const auto& sub : logs)
    for (const auto& study : sub.studies)
      if (const auto* w = study.find(workload))
        for (const auto& trial : w->trials) {
          const auto& m = trial.meta;
          if (!m.is_object() || !m.contains("workload.max_allowed_runtime_sec")) continue;
          const auto& v = m["workload.max_allowed_runtime_sec"];
          if (!v.is_number() || !(v.get<double>() > 0)) {
            diag.warn(trial.dir.string(), "meta_data_0.json: workload.max_allowed_runtime_sec is not a positive "
                                          "number; ignored");
            continue;
          }
          const double s = v.get<double>();
          if (std::isnan(budget)) {
            budget = s;
            first_dir = trial.dir.string();
          } else if (s != budget && !warned) {
            diag.warn(trial.dir.string(), fmt::format("meta_data_0.json: workload.max_allowed_runtime_sec {} differs "
                                                      "from {} in {}; the speedup analysis uses the larger",
                                                      s, budget, first_dir));
            warned = true;
          }
          if (s > budget) budget = s;
        }
  return budget;
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw ScoringError("cannot write '" + path.string() + "'");
  out << text;
  if (!out) throw ScoringError("cannot write '" + path.string() + "' (disk full?)");
}
}  // namespace

int ScoreResult::submission_index(const std::string& name) const {
  for (size_t i = 0; i < submissions.size(); ++i)
    if (submissions[i] == name) return static_cast<int>(i);
  return -1;
}

int ClockRanking::rank_of(size_t s) const {
  for (size_t i = 0; i < ranking.size(); ++i)
    if (ranking[i] == s) return static_cast<int>(i) + 1;
  return 0;
}

int ScoreResult::rank_of(size_t s) const {
  for (size_t i = 0; i < ranking.size(); ++i)
    if (ranking[i] == s) return static_cast<int>(i) + 1;
  return 0;
}

bool ScoreResult::rank_moves(size_t s) const { return other_clock.computed() && other_clock.rank_of(s) != rank_of(s); }

int ScoreResult::reached(size_t s) const {
  int n = 0;
  for (double t : scored.t[s]) n += std::isfinite(t) ? 1 : 0;
  return n;
}

std::string format_interval(double low, double high) {
  if (std::isnan(low) || std::isnan(high)) return "-";
  return fmt::format("[{:.4f}, {:.4f}]", low, high);
}

std::string format_time(double t, TimeAxis axis) {
  if (std::isnan(t)) return "missing";
  if (std::isinf(t)) return "inf";
  if (axis != TimeAxis::Time) return fmt::format("{:.0f}", t);  // steps, reference steps
  return std::fabs(t) >= 100 ? fmt::format("{:.1f}", t) : fmt::format("{:.2f}", t);
}

ScoreResult score_log_trees(const std::vector<fs::path>& dirs, const ScoreOptions& options,
                            std::ostream* warnings_out) {
  Diagnostics diag(warnings_out, options.strict);
  TargetTable targets = load_targets(options.targets);
  auto logs = read_log_trees(dirs, diag, LogReadOptions{options.exclude_unfinished});
  return score_logs(std::move(logs), std::move(targets), options, diag);
}

namespace {
// Steps 1-7 (and the speedups) on one clock, for the submissions and columns `r` already names.
void score_on_axis(ScoreResult& r, const std::vector<SubmissionLogs>& logs, const TargetTable& targets,
                   const ScoreOptions& options, Diagnostics& diag) {
  r.raw.submissions = r.submissions;
  r.raw.workloads = r.workloads;
  for (const auto& sub : logs) {
    // Logged workloads the table does not know.
    for (const auto& study : sub.studies)
      for (const auto& w : study.workloads)
        if (!targets.find(w.name))
          diag.warn(w.dir.string(), "workload '" + w.name + "' has no target in '" + targets.name + "'; ignored");

    std::set<int> all_studies;
    for (const auto& study : sub.studies) all_studies.insert(study.index);
    std::vector<WorkloadTimes> row_times;
    std::vector<double> row;
    for (const auto& target : targets.workloads) {
      std::vector<StudyTime> studies;
      size_t most_trials = 0;
      for (const auto& study : sub.studies)
        if (const auto* w = study.find(target.name)) most_trials = std::max(most_trials, w->trials.size());
      std::vector<std::string> absent;
      for (const auto& study : sub.studies) {
        const auto* w = study.find(target.name);
        if (!w) {
          absent.push_back("study_" + std::to_string(study.index));
          continue;
        }
        const size_t expected = options.ruleset == Ruleset::Self
                                    ? 1
                                    : static_cast<size_t>(targets.trials_per_study.value_or(static_cast<int>(most_trials)));
        if (w->trials.size() < expected)
          diag.warn(w->dir.string(), fmt::format("{} readable trial{}, expected {}", w->trials.size(),
                                                 w->trials.size() == 1 ? "" : "s", expected));
        else if (options.ruleset == Ruleset::Self && w->trials.size() > 1)
          diag.warn(w->dir.string(), fmt::format("{} trials in a self-tuning study, expected 1", w->trials.size()));
        std::vector<TrialTime> trials;
        for (const auto& trial : w->trials) trials.push_back(trial_time_to_target(trial, target, options.axis, diag));
        studies.push_back(study_time_to_target(study.index, std::move(trials)));
      }
      if (studies.empty()) {
        diag.warn(sub.dir.string(), "no logs for workload '" + target.name + "'; scored as missing");
      } else if (targets.studies && static_cast<int>(studies.size()) < *targets.studies) {
        diag.warn(sub.dir.string(), fmt::format("workload '{}' is logged in {} studies, {} expects {}", target.name,
                                                studies.size(), targets.name, *targets.studies));
      } else if (!targets.studies && !absent.empty()) {
        diag.warn(sub.dir.string(), fmt::format("workload '{}' has no logs in {} (logged in {} of {} studies)",
                                                target.name, join(absent), studies.size(), all_studies.size()));
      }
      auto times = workload_time_to_target(std::move(studies));
      row.push_back(times.median);
      row_times.push_back(std::move(times));
    }
    r.raw.t.push_back(std::move(row));
    r.times.push_back(std::move(row_times));
  }

  r.scored = apply_scoring_rules(r.raw, targets, &r.capped, &r.why);
  r.ratios = performance_ratios(r.scored);
  r.profile = performance_profile(r.ratios, r.scored.workloads.size());
  r.scores = benchmark_scores(r.profile);
  r.ranking.resize(r.submissions.size());
  std::iota(r.ranking.begin(), r.ranking.end(), 0);
  std::stable_sort(r.ranking.begin(), r.ranking.end(), [&](size_t a, size_t b) { return r.scores[a] > r.scores[b]; });

  const double factor = options.ruleset == Ruleset::Self ? targets.self_tuning_budget_factor : 1.0;
  for (const auto& w : targets.workloads) {
    const auto flag = options.budgets.find(w.name);
    const double logged = options.axis == TimeAxis::Time && flag == options.budgets.end() && w.max_runtime <= 0
                              ? logged_budget(logs, w.name, diag)
                              : kNaN;
    if (options.axis != TimeAxis::Time) {
      r.budgets.push_back(largest_logged(logs, w.name, options.axis));
      r.budget_sources.push_back("largest logged");
    } else if (flag != options.budgets.end()) {
      r.budgets.push_back(flag->second * factor);
      r.budget_sources.push_back("--budget");
    } else if (w.max_runtime > 0) {
      r.budgets.push_back(w.max_runtime * factor);
      r.budget_sources.push_back("table");
    } else if (!std::isnan(logged)) {
      r.budgets.push_back(logged * factor);
      r.budget_sources.push_back("logs' metadata");
    } else {
      r.budgets.push_back(largest_logged(logs, w.name, options.axis));
      r.budget_sources.push_back("largest logged");
    }
  }
  if (!options.baseline.empty()) {
    const auto b = static_cast<size_t>(r.submission_index(options.baseline));
    std::vector<std::string> bases = targets.base_names();
    std::vector<double> budgets, base_times;
    for (const auto& name : bases) {
      const int w = r.raw.workload_index(name);
      budgets.push_back(r.budgets[w]);
      base_times.push_back(r.raw.t[b][w]);
    }
    for (size_t s = 0; s < r.submissions.size(); ++s) {
      if (s == b) continue;
      std::vector<double> times;
      for (const auto& name : bases) times.push_back(r.raw.t[s][r.raw.workload_index(name)]);
      r.speedups.push_back(compute_speedups(r.submissions[s], times, options.baseline, base_times, bases, budgets));
    }
  }
}
}  // namespace

ScoreResult score_logs(std::vector<SubmissionLogs> logs, TargetTable targets, const ScoreOptions& options,
                       Diagnostics& diag) {
  ScoreResult r;
  r.options = options;
  const auto logged = logged_workloads(logs);
  if (options.targets == "ours") targets = restrict_to_logged(targets, logged);
  bool any_known = false;
  for (const auto& name : logged) any_known = any_known || targets.find(name) != nullptr;
  if (!any_known) {
    std::string hint = options.targets == "ours"
                           ? "; for AlgoPerf's own logs pass --targets v0.5 or --targets v0.6"
                           : "";
    throw ScoringError("none of the logged workloads (" + join(std::vector<std::string>(logged.begin(), logged.end())) +
                       ") has a target in '" + targets.name + "'" + hint);
  }
  for (const auto& [name, seconds] : options.budgets)
    if (!targets.find(name))
      throw ScoringError("--budget " + name + "=...: no workload '" + name + "' in '" + targets.name +
                         "' (its workloads: " + join(targets.base_names()) + ")");
  r.targets = targets;
  for (const auto& w : targets.workloads) r.workloads.push_back(w.name);
  for (const auto& sub : logs) r.submissions.push_back(sub.name);
  if (!options.baseline.empty() && r.submission_index(options.baseline) < 0)
    throw ScoringError("--baseline '" + options.baseline + "' is not one of the submissions scored (" +
                       join(r.submissions) + ")");

  score_on_axis(r, logs, targets, options, diag);
  r.bootstrap = bootstrap_scores(study_times(r.times), r.raw, targets, options.bootstrap, options.bootstrap_seed);

  if (options.other_clock) {
    ScoreResult other;
    other.options = options;
    other.options.axis = options.axis == TimeAxis::Time ? TimeAxis::Steps : TimeAxis::Time;
    other.options.baseline.clear();
    other.submissions = r.submissions;
    other.workloads = r.workloads;
    Diagnostics side = diag.lenient();
    score_on_axis(other, logs, targets, other.options, side);
    diag.absorb(side);
    r.other_clock.axis = other.options.axis;
    r.other_clock.scores = std::move(other.scores);
    r.other_clock.ranking = std::move(other.ranking);
  }
  r.logs = std::move(logs);
  r.warnings = diag.warnings();
  return r;
}

std::vector<fs::path> write_score_files(const ScoreResult& r, const fs::path& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (!fs::is_directory(out_dir))
    throw ScoringError("cannot create output directory '" + out_dir.string() + "'" + (ec ? ": " + ec.message() : ""));
  std::vector<fs::path> written;
  const std::string axis = to_string(r.options.axis);

  {  // One row per submission and workload (bases and variants).
    std::ostringstream o;
    o << "submission,workload,base_workload,metric,target,axis,studies,studies_reached,study_min,study_median,"
         "study_max,time_to_target,ratio,budget,note\n";
    for (size_t s = 0; s < r.submissions.size(); ++s)
      for (size_t w = 0; w < r.workloads.size(); ++w) {
        const auto& target = r.targets.workloads[w];
        const auto& times = r.times[s][w];
        const int b = r.scored.workload_index(target.name);
        const double final_time = b >= 0 ? r.scored.t[s][b] : r.capped.t[s][w];
        const double ratio = b >= 0 ? r.ratios[s][b] : kNaN;
        std::string note = b >= 0 ? r.why[s][b] : (std::isinf(r.capped.t[s][w]) && std::isfinite(times.median)
                                                        ? "made infinite by the rules"
                                                        : "");
        if (times.missing()) note = "missing (no logs)";
        o << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.submissions[s]),
                         csv_field(target.name), csv_field(target.base), csv_field(target.metric), csv_number(target.target), axis, times.studies.size(),
                         times.studies_reached(), csv_number(times.min), csv_number(times.median),
                         csv_number(times.max), csv_number(final_time), csv_number(ratio), csv_number(r.budgets[w]),
                         csv_field(note));
      }
    written.push_back(out_dir / "time_to_targets.csv");
    write_text(written.back(), o.str());
  }
  {  // Every trial, and which one each study's time comes from.
    std::ostringstream o;
    o << "submission,workload,study,trial,axis,reached,eval_index,time_to_target,best_metric,num_evals,"
         "counts_for_study\n";
    for (size_t s = 0; s < r.submissions.size(); ++s)
      for (size_t w = 0; w < r.workloads.size(); ++w)
        for (const auto& study : r.times[s][w].studies)
          for (const auto& t : study.trials)
            o << fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.submissions[s]), csv_field(r.workloads[w]),
                             study.study, t.trial, axis, t.reached() ? 1 : 0,
                             t.eval_index ? std::to_string(*t.eval_index) : "", csv_number(t.value),
                             csv_number(t.best_metric), t.num_evals, study.best_trial == t.trial ? 1 : 0);
    written.push_back(out_dir / "trial_times.csv");
    write_text(written.back(), o.str());
  }
  {  // rho_s(tau): one row per tau, one column per submission.
    std::ostringstream o;
    o << "tau";
    for (const auto& s : r.submissions) o << ',' << csv_field(s);
    o << '\n';
    for (size_t k = 0; k < r.profile.taus.size(); ++k) {
      o << csv_number(r.profile.taus[k]);
      for (size_t s = 0; s < r.submissions.size(); ++s) o << ',' << csv_number(r.profile.rho[s][k]);
      o << '\n';
    }
    written.push_back(out_dir / "performance_profiles.csv");
    write_text(written.back(), o.str());
  }
  {
    std::ostringstream o;
    // AlgoPerf-compatible columns first, unchanged; the interval and the other clock after them.
    const std::string other = to_string(r.other_clock.axis);
    o << "rank,submission,score,base_workloads_reached,base_workloads,targets,ruleset,axis";
    if (!r.options.baseline.empty()) o << ",geomean_speedup_vs_" << csv_field(r.options.baseline);
    o << ",score_ci_low,score_ci_high,rank_" << other << ",score_" << other << ",rank_moves\n";
    for (size_t rank = 0; rank < r.ranking.size(); ++rank) {
      const size_t s = r.ranking[rank];
      o << fmt::format("{},{},{},{},{},{},{},{}", rank + 1, csv_field(r.submissions[s]), csv_number(r.scores[s]),
                       r.reached(s), r.scored.workloads.size(), csv_field(r.targets.name),
                       trainperf::to_string(r.options.ruleset), axis);
      if (!r.options.baseline.empty()) {
        double g = r.submissions[s] == r.options.baseline ? 1.0 : kNaN;
        for (const auto& sp : r.speedups)
          if (sp.submission == r.submissions[s]) g = sp.geomean_speedup;
        o << ',' << csv_number(g);
      }
      // No interval is an empty cell, never a zero-width one (docs/scoring.md).
      if (r.bootstrap.available())
        o << ',' << csv_number(r.bootstrap.low[s]) << ',' << csv_number(r.bootstrap.high[s]);
      else
        o << ",,";
      if (r.other_clock.computed())
        o << ',' << r.other_clock.rank_of(s) << ',' << csv_number(r.other_clock.scores[s]) << ','
          << (r.rank_moves(s) ? 1 : 0);
      else
        o << ",,,";
      o << '\n';
    }
    written.push_back(out_dir / "scores.csv");
    write_text(written.back(), o.str());
  }
  // Rows and columns in rank order. Without an interval these files are not written, and copies left
  // by an earlier run are removed so that they cannot be read as this run's.
  const fs::path pairwise = out_dir / "pairwise.csv", ranks = out_dir / "rank_probabilities.csv";
  if (r.bootstrap.available()) {
    std::ostringstream o;
    o << "submission";
    for (size_t s : r.ranking) o << ',' << csv_field(r.submissions[s]);
    o << '\n';
    for (size_t row : r.ranking) {
      o << csv_field(r.submissions[row]);
      for (size_t col : r.ranking) o << ',' << csv_number(r.bootstrap.pairwise[row][col]);
      o << '\n';
    }
    written.push_back(pairwise);
    write_text(pairwise, o.str());
    std::ostringstream p;
    p << "submission";
    for (size_t k = 0; k < r.submissions.size(); ++k) p << ",rank_" << k + 1;
    p << '\n';
    for (size_t s : r.ranking) {
      p << csv_field(r.submissions[s]);
      for (double v : r.bootstrap.rank_probability[s]) p << ',' << csv_number(v);
      p << '\n';
    }
    written.push_back(ranks);
    write_text(ranks, p.str());
  } else {
    std::error_code ignored;
    fs::remove(pairwise, ignored);
    fs::remove(ranks, ignored);
  }
  if (!r.speedups.empty()) {
    std::ostringstream o;
    o << "submission,baseline,workload,axis,submission_time,baseline_time,submission_reached,baseline_reached,"
         "time_ratio,speedup\n";
    for (const auto& sp : r.speedups) {
      for (const auto& w : sp.workloads)
        o << fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_field(sp.submission), csv_field(sp.baseline),
                         csv_field(w.workload), axis, csv_number(w.submission_time), csv_number(w.baseline_time),
                         w.submission_reached ? 1 : 0, w.baseline_reached ? 1 : 0, csv_number(w.time_ratio),
                         csv_number(w.speedup));
      o << fmt::format("{},{},geomean,{},,,,,{},{}\n", csv_field(sp.submission), csv_field(sp.baseline), axis,
                       csv_number(sp.geomean_time_ratio), csv_number(sp.geomean_speedup));
    }
    written.push_back(out_dir / "speedups.csv");
    write_text(written.back(), o.str());
  }
  return written;
}

std::string format_summary(const ScoreResult& r) {
  std::ostringstream o;
  const auto variants = r.workloads.size() - r.scored.workloads.size();
  o << fmt::format("targets: {} · {} tuning · by {} · {} submission{} · {} base workload{}{}\n", r.targets.name,
                   trainperf::to_string(r.options.ruleset), to_string(r.options.axis),
                   r.submissions.size(), r.submissions.size() == 1 ? "" : "s", r.scored.workloads.size(),
                   r.scored.workloads.size() == 1 ? "" : "s",
                   variants ? fmt::format(" + {} held-out variant{}", variants, variants == 1 ? "" : "s") : "");

  const std::string unit = r.unit();
  o << fmt::format("\ntime to target [{}]: median over studies (studies reached / logged); "
                   "* = made infinite by the held-out or 4x rule\n",
                   unit);
  TextTable times({"workload"});
  for (const auto& s : r.submissions) times.add_column(s);
  for (size_t w = 0; w < r.workloads.size(); ++w) {
    std::vector<std::string> cells = {r.workloads[w] + (r.targets.workloads[w].is_variant() ? " (variant)" : "")};
    const int b = r.scored.workload_index(r.workloads[w]);
    for (size_t s = 0; s < r.submissions.size(); ++s) {
      const auto& times_sw = r.times[s][w];
      if (times_sw.missing()) {
        cells.push_back("missing");
        continue;
      }
      const double final_time = b >= 0 ? r.scored.t[s][b] : r.capped.t[s][w];
      const bool changed = std::isfinite(times_sw.median) && std::isinf(final_time);
      cells.push_back(fmt::format("{}{} ({}/{})", format_time(changed ? times_sw.median : final_time, r.options.axis),
                                  changed ? "*" : "", times_sw.studies_reached(), times_sw.studies.size()));
    }
    times.add_row(cells);
  }
  o << times.render();

  const auto& boot = r.bootstrap;
  o << "\nscores (integral of the performance profile over tau in [1, 4], divided by 3)";
  if (boot.available())
    o << fmt::format("; {:.0f}% interval: percentile bootstrap over studies ({} resamples, seed {})",
                     boot.level * 100, boot.replicates, boot.seed);
  o << '\n';
  const std::string other = to_string(r.other_clock.axis);
  std::vector<std::string> header = {"rank", "submission", "score", "reached"};
  if (boot.available()) {
    header.push_back(fmt::format("{:.0f}% interval", boot.level * 100));
    header.push_back("P(1st)");
  }
  if (r.other_clock.computed()) {
    header.push_back("by " + other);
    header.push_back("");
  }
  TextTable ranked(header, "rlrrrrrl");
  for (size_t rank = 0; rank < r.ranking.size(); ++rank) {
    const size_t s = r.ranking[rank];
    std::vector<std::string> row = {std::to_string(rank + 1), r.submissions[s], fmt::format("{:.4f}", r.scores[s]),
                                    fmt::format("{}/{}", r.reached(s), r.scored.workloads.size())};
    if (boot.available()) {
      row.push_back(format_interval(boot.low[s], boot.high[s]));
      row.push_back(fmt::format("{:.2f}", boot.rank_probability[s][0]));
    }
    if (r.other_clock.computed()) {
      row.push_back(fmt::format("{} ({:.4f})", r.other_clock.rank_of(s), r.other_clock.scores[s]));
      row.push_back(r.rank_moves(s) ? "moved" : "");
    }
    ranked.add_row(row);
  }
  o << ranked.render();
  if (!boot.available()) o << boot.unavailable << '\n';
  if (r.other_clock.computed()) {
    std::vector<std::string> moved;
    for (size_t s : r.ranking)
      if (r.rank_moves(s)) moved.push_back(r.submissions[s]);
    o << (moved.empty() ? fmt::format("the ranking by {} is the same as by {}\n", other, to_string(r.options.axis))
                        : fmt::format("moved: ranked differently by {} than by {} ({})\n", other,
                                      to_string(r.options.axis), join(moved)));
  }
  if (boot.available() && r.submissions.size() > 1) {
    o << fmt::format("\nP(row's score > column's score) over the {} resamples (ties count for neither)\n",
                     boot.replicates);
    TextTable pairs({""});
    for (size_t s : r.ranking) pairs.add_column(r.submissions[s]);
    for (size_t row : r.ranking) {
      std::vector<std::string> cells = {r.submissions[row]};
      for (size_t col : r.ranking)
        cells.push_back(row == col ? "-" : fmt::format("{:.2f}", boot.pairwise[row][col]));
      pairs.add_row(cells);
    }
    o << pairs.render();
  }

  if (!r.options.baseline.empty()) {
    o << fmt::format("\nspeedups vs {} (baseline time / time, base workloads; a time that never reached the "
                     "target counts as the budget + 1 {})\n",
                     r.options.baseline, unit);
    TextTable sp({"workload", "budget (from)"});
    for (const auto& s : r.speedups) sp.add_column(s.submission);
    const auto bases = r.targets.base_names();
    for (size_t w = 0; w < bases.size(); ++w) {
      const int col = r.raw.workload_index(bases[w]);
      std::vector<std::string> cells = {
          bases[w], fmt::format("{:.6g} ({})", r.budgets[col], r.budget_sources.empty() ? "" : r.budget_sources[col])};
      for (const auto& s : r.speedups)
        cells.push_back(std::isnan(s.workloads[w].speedup) ? "missing" : fmt::format("{:.3f}x", s.workloads[w].speedup));
      sp.add_row(cells);
    }
    std::vector<std::string> cells = {"geometric mean", ""};
    for (const auto& s : r.speedups)
      cells.push_back(std::isnan(s.geomean_speedup) ? "n/a" : fmt::format("{:.3f}x", s.geomean_speedup));
    sp.add_row(cells);
    o << sp.render();

    o << fmt::format("\ntime to target over studies [{}]: min / median / max\n", unit);
    TextTable spread({"workload"});
    for (const auto& s : r.submissions) spread.add_column(s);
    for (size_t w = 0; w < r.workloads.size(); ++w) {
      std::vector<std::string> row = {r.workloads[w]};
      for (size_t s = 0; s < r.submissions.size(); ++s) {
        const auto& t = r.times[s][w];
        row.push_back(t.missing() ? "missing"
                                  : fmt::format("{} / {} / {}", format_time(t.min, r.options.axis),
                                                format_time(t.median, r.options.axis),
                                                format_time(t.max, r.options.axis)));
      }
      spread.add_row(row);
    }
    o << spread.render();
  }
  return o.str();
}

}  // namespace trainperf::scoring
