#include "runner/experiment.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <ostream>

#include "runner/trial_logs.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

namespace trainperf {

uint64_t trial_seed(uint64_t base, int study, const std::string& workload, int trial) {
  return derive_seed(derive_seed(base, "study", static_cast<uint64_t>(study)) ^ hash_tag(workload), "trial",
                     static_cast<uint64_t>(trial));
}

uint64_t search_seed(uint64_t base, int study, const std::string& workload) {
  return derive_seed(derive_seed(base, "study", static_cast<uint64_t>(study)) ^ hash_tag(workload), "search");
}

torch::Device parse_device(const std::string& name) {
  torch::Device d(name);  // throws on garbage
  if (d.is_cuda() && !torch::cuda::is_available())
    throw std::invalid_argument("device '" + name + "' asked for, but this LibTorch build sees no CUDA device");
  return d;
}

namespace {

std::string fmt_metric(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : fmt::format("{}", v); }

void print_settings(std::ostream& out, const StudyRequest& r, const WorkloadSpec& spec, const SubmissionEntry& sub,
                    double budget) {
  auto row = [&](const std::string& k, const std::string& v) { fmt::print(out, "  {:<22} {}\n", k, v); };
  fmt::print(out, "trainperf {} ({})\n", trainperf_version(), git_hash());
  row("workload", spec.name + " — " + spec.description);
  row("submission", sub.name + " — " + sub.description);
  row("ruleset", fmt::format("{} ({} rules)", to_string(r.ruleset), to_string(r.rules)));
  row("study / trials", fmt::format("{} / {}", r.study, r.ruleset == Ruleset::Self ? 1 : r.trials));
  row("target", fmt::format("validation/{} {} {} (test {})", spec.target_metric,
                            spec.goal == Goal::Maximize ? ">" : "<", spec.validation_target, spec.test_target));
  row("budget", fmt::format("{:.1f} s of submission time", budget));
  row("step hint / eval every", fmt::format("{} steps / {} s", spec.step_hint, spec.eval_period_s));
  row("device / threads", fmt::format("{} / {}", r.device, torch::get_num_threads()));
  row("LibTorch / BLAS", fmt::format("{} / {}{}", libtorch_version(), blas_library(),
                                     blas_is_optimized() ? "" : "  (WARNING: reference BLAS, ~10x slower)"));
  row("experiment dir", r.experiment_dir.string());
  if (r.max_steps) row("max steps", std::to_string(*r.max_steps));
}

}  // namespace

std::vector<TrialOutcome> run_study(const StudyRequest& r, std::ostream& out) {
  const SubmissionEntry& sub = submissions().find(r.submission);
  std::unique_ptr<Workload> workload = make_workload(r.workload);
  const WorkloadSpec& spec = workload->spec();

  // Hyperparameter points: the search space (external) or the fixed configuration (self).
  std::optional<SearchSpace> space;
  if (r.ruleset == Ruleset::External) {
    space = r.search_space_path.empty() ? sub.search_space() : SearchSpace::load(r.search_space_path);
  } else if (!r.search_space_path.empty()) {
    throw std::invalid_argument("self-tuning takes no search space (got '" + r.search_space_path +
                                "'); drop --search-space or use --ruleset external");
  }
  const int num_trials = r.ruleset == Ruleset::Self ? 1 : r.trials;
  if (num_trials < 1) throw std::invalid_argument("--trials must be at least 1");
  if (space && space->is_list() && num_trials > static_cast<int>(space->points().size()))
    throw SearchSpaceError(space->origin() + ": " + std::to_string(num_trials) + " trials asked for, but the list has " +
                           std::to_string(space->points().size()) + " points");

  ensure_directory(r.experiment_dir, "experiment directory");
  set_threads(r.threads);
  const torch::Device device = parse_device(r.device);
  workload->load_data(DataOptions{r.data_dir, device});

  const double budget = spec.max_runtime_s * budget_multiplier(r.ruleset, r.rules);
  print_settings(out, r, spec, sub, budget);

  std::vector<TrialOutcome> outcomes;
  for (int trial = 1; trial <= num_trials; ++trial) {
    TrialOutcome o;
    o.trial = trial;
    o.seed = trial_seed(r.seed, r.study, spec.name, trial);
    o.dir = trial_dir(r.experiment_dir, sub.name, r.study, spec.name, trial);
    if (TrialLog::is_finished(o.dir)) {
      fmt::print(out, "\ntrial {}: already finished in {} (files kept)\n", trial, o.dir.string());
      o.skipped = true;
      outcomes.push_back(o);
      continue;
    }
    const Hyperparameters hparams =
        space ? space->point(trial - 1, search_seed(r.seed, r.study, spec.name)) : sub.self_tuning_config();
    TrialLog log(o.dir);
    log.write_json("hparams.json", nlohmann::json::parse(hparams.to_json()));
    nlohmann::json meta = environment_info(r.device);
    meta["rng_seed"] = o.seed;
    meta["workload"] = spec.name;
    meta["submission"] = sub.name;
    meta["ruleset"] = to_string(r.ruleset);
    meta["rules_version"] = to_string(r.rules);
    meta["study"] = r.study;
    meta["trial"] = trial;
    log.write_json("meta_data_0.json", meta);
    log.write_json("flags_0.json", r.flags);

    fmt::print(out, "\ntrial {}/{}  seed {}  hparams {}\n", trial, num_trials, o.seed,
               nlohmann::json::parse(hparams.to_json()).dump());
    std::unique_ptr<Submission> submission = sub.make();
    LocalCommunicator comm;
    TrialOptions options;
    options.ruleset = r.ruleset;
    options.rules = r.rules;
    options.seed = o.seed;
    options.max_steps = r.max_steps;
    options.device = device;
    options.on_eval = [&](const EvalRecord& rec) {
      log.append_eval(rec);
      const double val = rec.metrics.at("validation").at(spec.target_metric);
      fmt::print(out, "  step {:>6} | time {:>7.2f}s | train loss {:.4f} | val {} {} / {} | lr {:.2e}{}\n",
                 rec.global_step, rec.submission_time, rec.last_train_loss, spec.target_metric, fmt_metric(val),
                 spec.validation_target, rec.lr, rec.validation_goal_reached ? "  ✓" : "");
      out.flush();
    };
    o.result = run_trial(*workload, *submission, hparams, options, comm);
    log.finish(o.result);
    if (o.result.time_to_target)
      fmt::print(out, "  -> reached the validation target at step {} after {:.2f} s of submission time ({})\n",
                 *o.result.step_to_target, *o.result.time_to_target, to_string(o.result.status));
    else
      fmt::print(out, "  -> did not reach the validation target ({}; best {} {}){}\n", to_string(o.result.status),
                 spec.target_metric, fmt_metric(o.result.best_validation),
                 o.result.message.empty() ? "" : ": " + o.result.message);
    outcomes.push_back(o);
  }
  return outcomes;
}

}  // namespace trainperf
