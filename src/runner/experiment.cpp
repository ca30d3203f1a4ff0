#include "runner/experiment.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sys/file.h>
#include <unistd.h>
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
  std::optional<torch::Device> parsed;
  try {
    parsed.emplace(name);
  } catch (const c10::Error&) {  // LibTorch's message is a stack trace
    throw std::invalid_argument("unknown device '" + name + "' (cpu, cuda or cuda:N)");
  }
  const torch::Device d = *parsed;
  if (!d.is_cpu() && !d.is_cuda())
    throw std::invalid_argument("device '" + name + "' is not supported by trainperf (cpu, cuda or cuda:N)");
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

// An exclusive lock on <trial_dir>.lock for as long as this process runs the trial; the kernel drops
// it when the process dies, however it dies.
class TrialLock {
 public:
  explicit TrialLock(const std::filesystem::path& trial_dir) {
    const std::string path = trial_dir.string() + ".lock";
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create lock file '" + path + "'");
    acquired_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~TrialLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  TrialLock(const TrialLock&) = delete;
  TrialLock& operator=(const TrialLock&) = delete;
  bool acquired() const { return acquired_; }

 private:
  int fd_ = -1;
  bool acquired_ = false;
};

TrialResult result_from_json(const nlohmann::json& j) {
  TrialResult r;
  r.global_step = j.value("global_step", int64_t{0});
  r.submission_time = j.value("submission_time", 0.0);
  r.max_runtime_s = j.value("max_runtime", 0.0);
  r.num_evals = j.value("num_evals", int64_t{0});
  r.best_validation = j.value("best_validation", 0.0);
  if (j.contains("time_to_target") && !j["time_to_target"].is_null()) r.time_to_target = j["time_to_target"].get<double>();
  if (j.contains("step_to_target") && !j["step_to_target"].is_null()) r.step_to_target = j["step_to_target"].get<int64_t>();
  const std::string status = j.value("status", "");
  for (TrialStatus s : {TrialStatus::ReachedTargets, TrialStatus::BudgetExhausted, TrialStatus::TrainingComplete,
                        TrialStatus::MaxSteps, TrialStatus::Diverged})
    if (status == to_string(s)) r.status = s;
  return r;
}

}  // namespace

nlohmann::json experiment_config(const StudyRequest& r, const std::optional<SearchSpace>& space) {
  nlohmann::json j = {
      {"ruleset", to_string(r.ruleset)},
      {"rules_version", to_string(r.rules)},
      {"seed", r.seed},
      {"max_steps", r.max_steps ? nlohmann::json(*r.max_steps) : nlohmann::json(nullptr)},
  };
  if (!r.stop_at_targets) j["stop_at_targets"] = false;
  if (r.max_runtime_s) j["max_runtime_override"] = *r.max_runtime_s;
  if (space) {
    j["trials"] = r.trials;
    nlohmann::json points = nlohmann::json::array();
    // The space as the trials will see it (independent of file formatting).
    const int n = space->is_list() ? static_cast<int>(space->points().size()) : r.trials;
    for (int i = 0; i < n; ++i) points.push_back(nlohmann::json::parse(space->point(i, 0).to_json()));
    j["search_space_points"] = points;
  }
  return j;
}

void check_or_record_experiment_config(const std::filesystem::path& submission_dir, const nlohmann::json& config) {
  ensure_directory(submission_dir, "submission directory");
  const std::filesystem::path file = submission_dir / "experiment.json";
  if (!std::filesystem::exists(file)) {
    write_file_atomic(file, config.dump(2) + "\n");
    return;
  }
  nlohmann::json existing;
  try {
    existing = nlohmann::json::parse(std::ifstream(file));
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": unreadable experiment configuration (" + e.what() + ")");
  }
  std::string differences;
  for (const auto& [key, value] : config.items()) {
    if (existing.contains(key) && existing[key] == value) continue;
    const std::string was = existing.contains(key) ? existing[key].dump() : "(absent)";
    const std::string now = value.dump();
    differences += "\n  " + key + ": " + (was.size() > 80 ? was.substr(0, 77) + "..." : was) + " -> " +
                   (now.size() > 80 ? now.substr(0, 77) + "..." : now);
  }
  for (const auto& [key, value] : existing.items())
    if (!config.contains(key)) differences += "\n  " + key + ": " + value.dump() + " -> (absent)";
  if (!differences.empty())
    throw std::runtime_error(submission_dir.string() + " holds trials of a different configuration; refusing to mix " +
                             "them (use another --experiment-dir):" + differences);
}

std::vector<Hyperparameters> study_points(const SubmissionEntry& sub, const SearchSpace* space, int num_trials,
                                          uint64_t search_seed) {
  std::vector<Hyperparameters> points;
  if (!space) {
    points.push_back(sub.self_tuning_config());  // resolved, naming its file on a problem
    return points;
  }
  for (int trial = 0; trial < num_trials; ++trial)
    points.push_back(sub.resolve(space->point(trial, search_seed), space->describe_point(trial)));
  return points;
}

std::vector<TrialOutcome> run_study(const StudyRequest& r, std::ostream& out) {
  const SubmissionEntry& sub = resolve_submission(r.submission);
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

  if (r.only_trial && (*r.only_trial < 1 || *r.only_trial > num_trials))
    throw std::invalid_argument("--only-trial " + std::to_string(*r.only_trial) + " is outside 1.." +
                                std::to_string(num_trials));
  // Every point of the study resolved against the submission's declared hyperparameters before
  // anything is written or loaded: a misspelt or missing key fails here, not after a study.
  const std::vector<Hyperparameters> points =
      study_points(sub, space ? &*space : nullptr, num_trials, search_seed(r.seed, r.study, spec.name));
  ensure_directory(r.experiment_dir, "experiment directory");
  check_or_record_experiment_config(r.experiment_dir / sub.name, experiment_config(r, space));
  set_threads(r.threads);
  const torch::Device device = parse_device(r.device);
  workload->load_data(DataOptions{r.data_dir, device});

  const double budget = r.max_runtime_s.value_or(spec.max_runtime_s * budget_multiplier(r.ruleset, r.rules));
  print_settings(out, r, spec, sub, budget);

  std::vector<TrialOutcome> outcomes;
  for (int trial = 1; trial <= num_trials; ++trial) {
    if (r.only_trial && trial != *r.only_trial) continue;
    TrialOutcome o;
    o.trial = trial;
    o.seed = trial_seed(r.seed, r.study, spec.name, trial);
    o.dir = trial_dir(r.experiment_dir, sub.name, r.study, spec.name, trial);
    ensure_directory(o.dir.parent_path(), "workload directory");
    TrialLock lock(o.dir);
    if (!lock.acquired()) {
      fmt::print(out, "\ntrial {}: another process is running it ({}); skipped\n", trial, o.dir.string());
      o.skipped = true;
      outcomes.push_back(o);
      continue;
    }
    if (TrialLog::is_finished(o.dir)) {
      fmt::print(out, "\ntrial {}: already finished in {} (files kept)\n", trial, o.dir.string());
      o.skipped = true;
      o.result = result_from_json(TrialLog::read_result(o.dir));
      outcomes.push_back(o);
      continue;
    }
    if (const auto problem = TrialLog::corrupt_result(o.dir))
      fmt::print(out, "\ntrial {}: {}; the trial is unfinished and runs again\n", trial, *problem);
    const Hyperparameters& hparams = points[trial - 1];
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
    options.max_runtime_s = r.max_runtime_s;
    options.stop_at_targets = r.stop_at_targets;
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
