// `trainperf calibrate` (docs/calibration.md): sample self-tuning configurations of one submission,
// run each as a frozen self-tuning submission over the workloads (bench's trial tree and resumability,
// one experiment folder per candidate), score them with a criterion that does not depend on the other
// candidates, optionally by successive halving, and write calibration.json and self_tuning.json.
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "report/calibration_page.h"
#include "runner/trial_logs.h"
#include "scoring/bootstrap.h"
#include "submissions/registry.h"
#include "tuning/calibration.h"
#include "tuning/plan.h"
#include "tuning/suites.h"
#include "tuning/hvalue_json.h"
#include "workloads/registry.h"

namespace trainperf::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace trainperf::calibration;

struct CalibrateArgs {
  std::string submission, suite, workloads, search_space, device = "cpu", data_dir;
  int configs = 8, studies = 1, jobs = 1, halving = 0;
  int threads = -1;  // not given
  uint64_t seed = 0;
  int64_t max_steps = 0;
  double reference_step = 0;
  fs::path experiment_dir;
  bool plan = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

fs::path candidate_dir(const fs::path& root, int index) { return root / "candidates" / fmt::format("candidate_{:03}", index); }

json point_json(const Hyperparameters& h) { return json::parse(h.to_json()); }

// Each candidate's point is a file its trials read (--self-tuning-config). A file left by an earlier run
// with another point (another --seed, --configs or space) would mix two calibrations: refused.
fs::path write_candidate_file(const fs::path& dir, const Hyperparameters& point) {
  const fs::path file = dir / "self_tuning.json";
  const json wanted = point_json(point);
  if (fs::exists(file)) {
    json was;
    try {
      was = json::parse(std::ifstream(file));
    } catch (const std::exception& e) {
      throw std::runtime_error(file.string() + ": unreadable (" + e.what() + "); remove it or use another --experiment-dir");
    }
    if (was != wanted)
      throw std::runtime_error(fmt::format("{} holds another point ({}) than this calibration samples ({}): it was "
                                           "made with another --seed, --configs or search space; use another "
                                           "--experiment-dir",
                                           file.string(), was.dump(), wanted.dump()));
    return file;
  }
  fs::create_directories(dir);
  const fs::path tmp = file.string() + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << wanted.dump(2) << "\n";
  fs::rename(tmp, file);
  return file;
}

void write_json(const fs::path& file, const json& j) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json candidate_json(const CandidateResult& c, const Hyperparameters& point, const Hyperparameters& defaults,
                    const std::vector<WorkloadReference>& refs, int studies_run) {
  json sampled = json::object();
  const json p = point_json(point), d = point_json(defaults);
  for (const auto& [k, v] : p.items())
    if (!d.contains(k) || d[k] != v) sampled[k] = v;
  json j = {{"index", c.index}, {"point", p}, {"differs_from_defaults", sampled}, {"studies", studies_run}};
  json per = json::object();
  for (size_t w = 0; w < refs.size(); ++w) {
    json trials = json::array();
    for (const auto& m : c.trials[w])
      trials.push_back({{"study", m.study},
                        {"reached", m.reached},
                        {"time_to_target_s", number_or_null(m.seconds)},
                        {"time_to_target_reference_steps", number_or_null(m.reference_steps)},
                        {"ratio", m.ratio}});
    per[refs[w].workload] = {{"ratio", c.workload_ratios[w]}, {"studies", trials}};
  }
  j["workloads"] = per;
  j["score"] = c.score;
  if (c.interval.unavailable.empty()) {
    j["score_ci_low"] = c.interval.low;
    j["score_ci_high"] = c.interval.high;
  } else {
    j["score_ci_low"] = nullptr;
    j["score_ci_high"] = nullptr;
    j["interval_unavailable"] = c.interval.unavailable;
  }
  return j;
}

std::string interval_text(const Interval& i) {
  return i.unavailable.empty() ? fmt::format("[{:.3f}, {:.3f}]", i.low, i.high) : "(one study: no interval)";
}

void calibrate(const CalibrateArgs& a) {
  if (a.suite.empty() == a.workloads.empty()) throw std::invalid_argument("give --suite or --workloads (one of them)");
  const std::vector<std::string> workload_names = a.suite.empty() ? split_list(a.workloads) : find_suite(a.suite).workloads;
  if (workload_names.empty()) throw std::invalid_argument("--workloads names no workload");
  if (a.plan && a.threads < 0)
    throw std::invalid_argument("--plan needs --threads (the intra-op threads of each trial on the machine that runs it)");
  const SubmissionEntry& sub = resolve_submission(a.submission);
  const CalibrationSpace space = calibration_space(sub, a.search_space);
  const std::vector<Hyperparameters> points = sample_candidates(sub, space.space, a.configs, a.seed);
  const fs::path root = fs::absolute(a.experiment_dir);

  std::vector<WorkloadReference> refs;
  for (const auto& name : workload_names) {
    const WorkloadSpec spec = workloads().find(name).make()->spec();
    WorkloadReference r;
    r.workload = name;
    r.target.name = name;
    r.target.metric = "validation/" + spec.target_metric;
    r.target.goal = spec.goal;
    r.target.target = spec.validation_target;
    r.target.max_runtime = spec.max_runtime_s;
    r.budget_reference_steps = static_cast<double>(spec.budget_reference_steps);
    if (r.budget_reference_steps <= 0 && !(spec.max_runtime_s > 0))
      throw std::invalid_argument("workload '" + name + "' has no budget to measure times against");
    refs.push_back(r);
  }

  std::vector<fs::path> files;
  for (size_t c = 0; c < points.size(); ++c) files.push_back(write_candidate_file(candidate_dir(root, c), points[c]));

  auto request_for = [&](int c, int studies) {
    BenchRequest r;
    r.workloads = workload_names;
    r.submissions = {a.submission};
    r.ruleset = Ruleset::Self;
    r.studies = studies;
    r.seed = a.seed;
    r.experiment_dir = candidate_dir(root, c);
    r.jobs = a.jobs;
    if (a.threads >= 0) r.threads = a.threads;
    if (a.max_steps > 0) r.max_steps = a.max_steps;
    if (a.reference_step > 0) r.reference_step_s = a.reference_step;
    r.device = a.device;
    r.data_dir = a.data_dir;
    r.self_tuning_config_path = files[c].string();
    return r;
  };

  const std::vector<int> schedule = a.halving ? halving_schedule(a.studies, a.halving) : std::vector<int>{a.studies};
  std::vector<int> alive(points.size());
  for (size_t c = 0; c < points.size(); ++c) alive[c] = static_cast<int>(c);
  std::vector<CandidateResult> latest(points.size());
  std::vector<int> studies_run(points.size(), 0);
  json rungs = json::array();
  scoring::Diagnostics diag(&std::cerr);
  bool checked = false;
  for (size_t rung = 0;; ++rung) {
    // Halving that is down to one candidate runs it on all the studies at once.
    const int studies = alive.size() == 1 ? a.studies : schedule.at(std::min(rung, schedule.size() - 1));
    std::vector<PlannedTrial> trials;
    for (int c : alive) {
      auto t = plan_trials(request_for(c, studies), self_executable());
      trials.insert(trials.end(), t.begin(), t.end());
    }
    if (a.plan) {
      int unfinished = 0;
      for (const auto& t : trials)
        if (!TrialLog::is_finished(t.dir)) {
          fmt::print("{}\n", shell_command(t.argv));
          ++unfinished;
        }
      if (unfinished) {
        fmt::print(std::cerr, "# rung {} ({} candidates x {} stud{} x {} workloads): {} trial command(s) above{}\n",
                   rung, alive.size(), studies, studies == 1 ? "y" : "ies", refs.size(), unfinished,
                   a.halving ? "; when they are done, run the same `calibrate --plan` again for the next rung" : "");
        return;
      }
    } else {
      if (!checked) {
        check_before_running(request_for(alive.front(), studies));
        checked = true;
      }
      fmt::print("\n== rung {}: {} candidate(s) x {} stud{} x {} workload(s)\n", rung, alive.size(), studies,
                 studies == 1 ? "y" : "ies", refs.size());
      int held = 0;
      std::string resume = shell_command(own_command_line());
      std::error_code ec;
      if (const auto cwd = fs::current_path(ec); !ec) resume = "cd " + shell_command({cwd.string()}) + " && " + resume;
      const int failures = run_planned(trials, a.jobs, std::cout, &held, resume);
      if (failures)
        throw std::runtime_error(fmt::format("{} trial(s) failed or are held by another process: not scoring the "
                                             "candidates; rerun the same command (finished trials are kept)",
                                             failures));
    }
    const auto resamples = draw_study_resamples(studies, kBootstrapReplicates, scoring::kDefaultBootstrapSeed);
    std::vector<double> scores;
    for (int c : alive) {
      CandidateResult r = measure_candidate(candidate_dir(root, c) / sub.name, c, refs, studies, resamples, diag);
      if (!r.complete()) throw std::runtime_error("cannot score candidate " + std::to_string(c) + ": " + r.missing);
      scores.push_back(r.score);
      latest[c] = std::move(r);
      studies_run[c] = studies;
    }
    json rung_json = {{"studies", studies}, {"candidates", alive}, {"scores", scores}};
    const bool last = studies == a.studies;
    if (!last) {
      alive = halving_keep(alive, scores, a.halving);
      rung_json["kept"] = alive;
      // The defaults go on to every study whatever their rank: they are the reference a calibration
      // reports (defaults vs calibrated, paired over the same studies).
      if (std::find(alive.begin(), alive.end(), 0) == alive.end()) {
        alive.push_back(0);
        rung_json["defaults_carried"] = true;
      }
    }
    rungs.push_back(rung_json);
    if (last) break;
  }

  // The choice: among the candidates run on every study (all of them without halving).
  std::vector<std::vector<double>> ratios(points.size());
  for (int c : alive) ratios[c] = latest[c].workload_ratios;
  const int chosen = choose(ratios, alive, std::vector<bool>(refs.size(), true));
  const auto loo = leave_one_out(ratios, alive);

  // Paired with the defaults (the same resamples) when both ran every study.
  json vs_defaults = nullptr;
  const auto resamples = draw_study_resamples(a.studies, kBootstrapReplicates, scoring::kDefaultBootstrapSeed);
  if (studies_run[0] == a.studies && !resamples.empty()) {
    int better = 0;
    for (const auto& picks : resamples)
      better += criterion_score(latest[chosen].ratios, picks) < criterion_score(latest[0].ratios, picks);
    vs_defaults = {{"p_chosen_better", static_cast<double>(better) / resamples.size()},
                   {"defaults_score", latest[0].score},
                   {"chosen_score", latest[chosen].score}};
  }

  const Hyperparameters defaults = points[0];
  json candidates = json::array();
  for (size_t c = 0; c < points.size(); ++c)
    candidates.push_back(candidate_json(latest[c], points[c], defaults, refs, studies_run[c]));
  int64_t trials_run = 0;
  for (int s : studies_run) trials_run += static_cast<int64_t>(s) * static_cast<int64_t>(refs.size());
  const int64_t trials_grid = static_cast<int64_t>(points.size()) * a.studies * static_cast<int64_t>(refs.size());
  json loo_json = json::array();
  for (const auto& l : loo)
    loo_json.push_back({{"held_out", refs[l.held_out].workload},
                        {"chosen_without", l.chosen_without},
                        {"chosen_with", l.chosen_with},
                        {"held_out_ratio_without", l.ratio_without},
                        {"held_out_ratio_with", l.ratio_with},
                        {"drop", l.drop}});
  json workloads_json = json::array();
  for (const auto& r : refs)
    workloads_json.push_back({{"name", r.workload},
                              {"budget_reference_steps", r.budget_reference_steps},
                              {"reference", r.budget_reference_steps > 0 ? "budget_reference_steps" : "max_runtime_s"},
                              {"max_runtime_s", r.target.max_runtime}});
  json dims = json::array();
  for (const auto& d : space.space.ranges())
    dims.push_back({{"name", d.name}, {"min", d.min}, {"max", d.max}, {"scaling", d.scaling == Scaling::Log ? "log" : "linear"}});
  for (const auto& d : space.space.discrete()) {
    json fp = json::array();
    for (const auto& v : d.feasible_points) fp.push_back(to_json_value(v));
    dims.push_back({{"name", d.name}, {"feasible_points", fp}});
  }
  const json out = {
      {"submission", sub.name},
      {"workloads", workloads_json},
      {"configs", a.configs},
      {"studies", a.studies},
      {"seed", a.seed},
      {"max_steps", a.max_steps > 0 ? json(a.max_steps) : json(nullptr)},
      {"search_space", {{"origin", space.space.origin()}, {"source", space.source}, {"dimensions", dims}}},
      {"criterion", criterion_description()},
      {"candidates", candidates},
      {"chosen", {{"index", chosen}, {"point", point_json(points[chosen])}, {"score", latest[chosen].score},
                  {"score_ci_low", number_or_null(latest[chosen].interval.low)},
                  {"score_ci_high", number_or_null(latest[chosen].interval.high)},
                  {"is_defaults", chosen == 0}}},
      {"defaults", {{"index", 0}, {"score", latest[0].score}, {"studies", studies_run[0]}}},
      {"chosen_vs_defaults", vs_defaults},
      {"halving", a.halving ? json{{"eta", a.halving}, {"rungs", rungs}} : json(nullptr)},
      {"trials_run", trials_run},
      {"trials_exhaustive", trials_grid},
      {"leave_one_out", loo_json},
  };
  write_json(root / "calibration.json", out);
  write_json(root / "self_tuning.json", point_json(points[chosen]));
  report::write_calibration_page(root / "calibration.json", root / "report.html");

  fmt::print("\n{:<10} {:>8} {:>22}  {}\n", "candidate", "score", "95% interval", "differs from the defaults");
  for (size_t c = 0; c < points.size(); ++c) {
    const auto& j = candidates[c];
    fmt::print("{:<10} {:>8.3f} {:>22}  {}{}{}\n", c, latest[c].score, interval_text(latest[c].interval),
               c == 0 ? "(defaults)" : j["differs_from_defaults"].dump(),
               studies_run[c] < a.studies ? fmt::format("  [stopped after {} stud{}]", studies_run[c], studies_run[c] == 1 ? "y" : "ies") : "",
               static_cast<int>(c) == chosen ? "  <- chosen" : "");
  }
  for (const auto& l : loo)
    fmt::print("leave out {:<24} chosen {} (with it: {}), its ratio {:.3f} vs {:.3f}, drop x{:.3f}\n",
               refs[l.held_out].workload, l.chosen_without, l.chosen_with, l.ratio_without, l.ratio_with, l.drop);
  fmt::print("{} trials run (the exhaustive grid: {})\nwrote {}\nwrote {}\nwrote {}\n", trials_run, trials_grid,
             (root / "calibration.json").string(), (root / "self_tuning.json").string(),
             (root / "report.html").string());
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto a = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand("calibrate", "Search one self-tuning configuration of a submission that does well "
                                              "on all workloads at once (docs/calibration.md); rerunning resumes");
  cmd->add_option("--submission", a->submission, "the submission to calibrate")->required();
  auto* suite = cmd->add_option("--suite", a->suite, "suite name (quick, mini)");
  cmd->add_option("--workloads", a->workloads, "comma-separated workloads (instead of --suite)")->excludes(suite);
  cmd->add_option("--configs", a->configs, "candidates: the shipped defaults and configs - 1 quasi-random points")
      ->check(whole_number(1, 10000));
  cmd->add_option("--studies", a->studies, "studies per candidate and workload")->check(whole_number(1, kMaxStudies));
  add_run_flag(cmd, RunFlag::ExperimentDir, a->experiment_dir,
               "where the candidates' trials, calibration.json and self_tuning.json go")
      ->required();
  cmd->add_option("--search-space", a->search_space,
                  "calibration search space JSON (default: the submission's calibration_search_space.json)");
  add_run_flag(cmd, RunFlag::Seed, a->seed, "seed of the quasi-random candidates and of every trial")->check(seed_number());
  add_run_flag(cmd, RunFlag::Threads, a->threads,
               "intra-op threads per trial (default: cores / jobs; required with --plan)")
      ->check(thread_count())
      ->default_str("");
  cmd->add_option("--jobs", a->jobs, "trials run at once")->check(whole_number(1, max_threads()));
  cmd->add_option("--halving", a->halving,
                  "successive halving with this eta (e.g. 3): all candidates on 1 study, the best 1/eta on eta "
                  "studies, ... up to --studies; 0 = every candidate on every study")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--plan", a->plan,
                "print one command per trial still to run (the current rung's under --halving) instead of "
                "running them; rerun calibrate when they are done");
  add_run_flag(cmd, RunFlag::MaxSteps, a->max_steps, "stop each trial after this many steps (smoke tests)")
      ->check(whole_number(1, kMaxSteps))
      ->default_str("");
  add_run_flag(cmd, RunFlag::ReferenceStep, a->reference_step)->check(positive_seconds())->default_str("");
  add_run_flag(cmd, RunFlag::Device, a->device);
  add_run_flag(cmd, RunFlag::DataDir, a->data_dir);
  cmd->callback([a] {
    if (a->halving == 1) throw std::invalid_argument("--halving: eta must be at least 2 (0 turns halving off)");
    calibrate(*a);
  });
}

}  // namespace trainperf::cli
