#include "runner/experiment.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <sys/file.h>
#include <unistd.h>
#include <ostream>
#include <sstream>

#include "data/dataset_cache.h"
#include "distributed/c10d_communicator.h"
#include "distributed/distributed_study.h"
#include "runner/checkpoint.h"
#include "runner/reference_step.h"
#include "runner/run_flags.h"
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
                    double multiplier) {
  auto row = [&](const std::string& k, const std::string& v) { fmt::print(out, "  {:<22} {}\n", k, v); };
  fmt::print(out, "trainperf {} ({})\n", trainperf_version(), git_hash());
  row("workload", spec.name + " — " + spec.description);
  row("submission", sub.name + " — " + sub.description);
  row("ruleset", fmt::format("{} ({} rules)", to_string(r.ruleset), to_string(r.rules)));
  row("study / trials", fmt::format("{} / {}", r.study, r.ruleset == Ruleset::Self ? 1 : r.trials));
  row("target", fmt::format("validation/{} {} {} (test {})", spec.target_metric,
                            spec.goal == Goal::Maximize ? ">" : "<", spec.validation_target, spec.test_target));
  if (r.max_runtime_s)
    row("budget", fmt::format("{:.1f} s of submission time (--max-runtime)", *r.max_runtime_s));
  else if (uses_reference_steps(spec))
    row("budget", fmt::format("{} reference steps x {} (seconds: measured per trial)", spec.budget_reference_steps,
                              multiplier));
  else
    row("budget", fmt::format("{:.1f} s of submission time", spec.max_runtime_s * multiplier));
  row("step hint / eval every",
      uses_reference_steps(spec)
          ? fmt::format("{} steps / {} reference steps", spec.step_hint, spec.eval_period_reference_steps)
          : fmt::format("{} steps / {} s", spec.step_hint, spec.eval_period_s));
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
  r.eval_period_s = j.value("eval_period", 0.0);
  r.reference_step_s = j.value("reference_step_s", 0.0);
  r.num_evals = j.value("num_evals", int64_t{0});
  r.best_validation = j.value("best_validation", 0.0);
  if (j.contains("time_to_target") && !j["time_to_target"].is_null()) r.time_to_target = j["time_to_target"].get<double>();
  if (j.contains("step_to_target") && !j["step_to_target"].is_null()) r.step_to_target = j["step_to_target"].get<int64_t>();
  const std::string status = j.value("status", "");
  for (TrialStatus s : {TrialStatus::ReachedTargets, TrialStatus::BudgetExhausted, TrialStatus::TrainingComplete,
                        TrialStatus::MaxSteps, TrialStatus::Diverged, TrialStatus::Failed})
    if (status == to_string(s)) r.status = s;
  return r;
}

}  // namespace

nlohmann::json summarize_search_space_points(const nlohmann::json& points) {
  if (!points.is_array() || points.size() <= kMaxStoredSearchSpacePoints) return points;
  return {{"count", points.size()}, {"sha256", sha256_bytes(points.dump())}};
}

nlohmann::json experiment_config(const StudyRequest& r, const std::optional<SearchSpace>& space) {
  nlohmann::json j = {
      {"ruleset", to_string(r.ruleset)},
      {"rules_version", to_string(r.rules)},
      {"seed", r.seed},
      {"max_steps", r.max_steps ? nlohmann::json(*r.max_steps) : nlohmann::json(nullptr)},
  };
  if (!r.stop_at_targets) j["stop_at_targets"] = false;
  if (r.max_runtime_s) j["max_runtime_override"] = *r.max_runtime_s;
  if (r.reference_step_s) j["reference_step_override"] = *r.reference_step_s;
  // A configuration given in place of the shipped one: its point, so that trials of two points never mix.
  if (!r.self_tuning_config_path.empty())
    j["self_tuning_config"] =
        nlohmann::json::parse(self_tuning_point(resolve_submission(r.submission), r.self_tuning_config_path).to_json());
  if (space) {
    j["trials"] = r.trials;
    nlohmann::json points = nlohmann::json::array();
    // The space as the trials will see it (independent of file formatting).
    const int n = space->is_list() ? static_cast<int>(space->points().size()) : r.trials;
    for (int i = 0; i < n; ++i) points.push_back(nlohmann::json::parse(space->point(i, 0).to_json()));
    // A large list is stored as its count and a hash (a 200,000-point space made a 41 MB file); the
    // comparison of two configurations is the same either way.
    j["search_space_points"] = summarize_search_space_points(points);
  }
  return j;
}

namespace {

std::string shortened(const std::string& s) { return s.size() > 80 ? s.substr(0, 77) + "..." : s; }

// "\n  key: was -> now" for each key whose value differs.
std::string config_differences(nlohmann::json was, nlohmann::json now) {
  // A file written before large lists were summarized: compared in the same form.
  for (auto* j : {&was, &now})
    if (j->is_object() && j->contains("search_space_points"))
      (*j)["search_space_points"] = summarize_search_space_points((*j)["search_space_points"]);
  std::string out;
  for (const auto& [key, value] : now.items()) {
    if (was.contains(key) && was[key] == value) continue;
    out += "\n  " + key + ": " + shortened(was.contains(key) ? was[key].dump() : "(absent)") + " -> " +
           shortened(value.dump());
  }
  for (const auto& [key, value] : was.items())
    if (!now.contains(key)) out += "\n  " + key + ": " + shortened(value.dump()) + " -> (absent)";
  return out;
}

nlohmann::json read_experiment_json(const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(std::ifstream(file));
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": unreadable experiment configuration (" + e.what() + ")");
  }
}

std::optional<nlohmann::json> read_trial_json(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) return std::nullopt;
  try {
    return nlohmann::json::parse(std::ifstream(file));
  } catch (const std::exception&) {  // written atomically: only a damaged trial has one that does not parse
    return std::nullopt;
  }
}

std::optional<int> numbered(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 9 ||
      name.find_first_not_of("0123456789", prefix.size()) != std::string::npos)
    return std::nullopt;
  return std::stoi(name.substr(prefix.size()));
}

// experiment.json is missing: what each trial's own files say it ran with, against `config`. Returns
// the differences (empty when every trial agrees or there is none).
std::string differences_from_trials(const std::filesystem::path& submission_dir, const nlohmann::json& config,
                                    const StudyRequest& request, const SubmissionEntry& sub,
                                    const std::optional<SearchSpace>& space) {
  namespace fs = std::filesystem;
  nlohmann::json wanted = config;
  wanted.erase("search_space_points");  // no one trial knows the whole space; its own point is checked
  wanted.erase("self_tuning_config");   // the same: each trial's hparams.json is checked against it below
  const bool given_point = !request.self_tuning_config_path.empty();
  const int num_trials = request.ruleset == Ruleset::Self ? 1 : request.trials;
  std::map<std::pair<int, std::string>, std::vector<Hyperparameters>> points;
  std::string first;
  int checked = 0, differing = 0;
  std::error_code ec;
  for (const auto& study_dir : fs::directory_iterator(submission_dir, ec)) {
    if (!numbered(study_dir.path().filename().string(), "study_")) continue;
    for (const auto& workload_dir : fs::directory_iterator(study_dir.path(), ec)) {
      if (!workload_dir.is_directory(ec)) continue;
      for (const auto& trial_dir : fs::directory_iterator(workload_dir.path(), ec)) {
        if (!trial_dir.is_directory(ec) || !numbered(trial_dir.path().filename().string(), "trial_")) continue;
        const auto flags = read_trial_json(trial_dir.path() / "flags_0.json");
        const auto meta = read_trial_json(trial_dir.path() / "meta_data_0.json");
        if (!flags || !meta) continue;  // an attempt killed before it got going: rerun from scratch anyway
        ++checked;
        std::string diff;
        try {
          StudyRequest was = request_from_flags(*flags);
          was.self_tuning_config_path.clear();  // that file may be gone; the trial's hparams.json is compared
          nlohmann::json rebuilt = experiment_config(was, std::nullopt);
          if (was.ruleset == Ruleset::External) rebuilt["trials"] = was.trials;
          diff = config_differences(rebuilt, wanted);
          const std::string workload = meta->value("workload", "");
          const int study = meta->value("study", -1), trial = meta->value("trial", -1);
          // The seed the trial really got (meta_data's rng_seed), whatever its flags say.
          if (diff.find("\n  seed:") == std::string::npos && meta->contains("rng_seed") &&
              (*meta)["rng_seed"] != trial_seed(request.seed, study, workload, trial))
            diff += fmt::format("\n  seed: its rng_seed {} is not what seed {} gives it", (*meta)["rng_seed"].dump(),
                                request.seed);
          // Its hyperparameters: the point this configuration gives that trial.
          if (diff.empty() && (space || given_point) && trial >= 1 && trial <= num_trials) {
            auto& study_pts = points[{study, workload}];
            if (study_pts.empty())
              study_pts = study_points(sub, space ? &*space : nullptr, num_trials,
                                       search_seed(request.seed, study, workload), request.self_tuning_config_path);
            const auto hparams = read_trial_json(trial_dir.path() / "hparams.json");
            const auto expected = nlohmann::json::parse(study_pts[trial - 1].to_json());
            if (hparams && *hparams != expected) {
              diff += "\n  hyperparameters:";
              for (const auto& [key, value] : expected.items())
                if (!hparams->contains(key) || (*hparams)[key] != value)
                  diff += " " + key + " " + (hparams->contains(key) ? (*hparams)[key].dump() : "(absent)") + " -> " +
                          value.dump();
              for (const auto& [key, value] : hparams->items())
                if (!expected.contains(key)) diff += " " + key + " " + value.dump() + " -> (absent)";
            }
          }
        } catch (const std::exception& e) {
          diff = "\n  " + (trial_dir.path() / "flags_0.json").string() + ": " + e.what();
        }
        if (diff.empty()) continue;
        if (++differing == 1) first = trial_dir.path().string() + ":" + diff;
      }
    }
  }
  if (!differing) return "";
  return fmt::format("\n  experiment.json is missing; rebuilt from each trial's flags_0.json, meta_data_0.json and "
                     "hparams.json, {} of {} trials differ; the first is {}",
                     differing, checked, first);
}

void refuse_if_different(const std::filesystem::path& submission_dir, const std::string& differences) {
  if (!differences.empty())
    throw std::runtime_error(submission_dir.string() + " holds trials of a different configuration; refusing to mix " +
                             "them (use another --experiment-dir):" + differences);
}

}  // namespace

std::optional<SearchSpace> study_search_space(const StudyRequest& r, const SubmissionEntry& sub) {
  if (r.ruleset == Ruleset::External && !r.self_tuning_config_path.empty())
    throw std::invalid_argument("--self-tuning-config '" + r.self_tuning_config_path +
                                "' is a self-tuning configuration; use it with --ruleset self");
  if (r.ruleset == Ruleset::External)
    return r.search_space_path.empty() ? sub.search_space() : SearchSpace::load(r.search_space_path);
  if (!r.search_space_path.empty())
    throw std::invalid_argument("self-tuning takes no search space (got '" + r.search_space_path +
                                "'); drop --search-space or use --ruleset external");
  return std::nullopt;
}

nlohmann::json check_experiment_config(const std::filesystem::path& submission_dir, const StudyRequest& request,
                                      const SubmissionEntry& sub, const std::optional<SearchSpace>& space) {
  nlohmann::json config = experiment_config(request, space);
  const std::filesystem::path file = submission_dir / "experiment.json";
  std::string differences;
  if (std::filesystem::exists(file))
    differences = config_differences(read_experiment_json(file), config);
  else if (std::filesystem::is_directory(submission_dir))
    differences = differences_from_trials(submission_dir, config, request, sub, space);
  refuse_if_different(submission_dir, differences);
  return config;
}

void record_experiment_config(const std::filesystem::path& submission_dir, const nlohmann::json& config) {
  ensure_directory(submission_dir, "submission directory");
  const std::filesystem::path file = submission_dir / "experiment.json";
  if (!std::filesystem::exists(file)) {
    // link() never replaces a file: of two trials starting at once, the first one's configuration
    // stays and the other is compared with it below.
    const std::string tmp = file.string() + "." + std::to_string(::getpid()) + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << config.dump(2) << "\n";
      out.flush();
      if (!out) throw std::runtime_error("cannot write '" + tmp + "' (disk full?)");
    }
    const int rc = ::link(tmp.c_str(), file.c_str());
    const int err = errno;
    if (rc != 0 && err != EEXIST) {
      // A file system without hard links (some network and FUSE mounts): a plain atomic rename, which
      // keeps readers from seeing half a file but lets the last of two simultaneous writers win.
      std::error_code ec;
      std::filesystem::rename(tmp, file, ec);
      if (!ec) return;
      std::filesystem::remove(tmp);
      throw std::runtime_error("cannot write '" + file.string() + "': " + std::strerror(err));
    }
    std::filesystem::remove(tmp);
    if (rc == 0) return;
  }
  refuse_if_different(submission_dir, config_differences(read_experiment_json(file), config));
}

Hyperparameters self_tuning_point(const SubmissionEntry& sub, const std::string& path) {
  if (path.empty()) return sub.self_tuning_config();  // resolved, naming its file on a problem
  std::ifstream in(path);
  if (!in) throw SearchSpaceError(path + ": cannot open the self-tuning configuration (--self-tuning-config)");
  std::stringstream text;
  text << in.rdbuf();
  return sub.resolve(Hyperparameters::from_json(text.str(), path), path + " (--self-tuning-config)");
}

std::vector<Hyperparameters> study_points(const SubmissionEntry& sub, const SearchSpace* space, int num_trials,
                                          uint64_t search_seed, const std::string& self_tuning_config_path) {
  std::vector<Hyperparameters> points;
  if (!space) {
    points.push_back(self_tuning_point(sub, self_tuning_config_path));
    return points;
  }
  for (int trial = 0; trial < num_trials; ++trial)
    points.push_back(sub.resolve(space->point(trial, search_seed), space->describe_point(trial)));
  return points;
}

std::vector<TrialOutcome> run_study(const StudyRequest& r, std::ostream& out, Communicator* group) {
  LocalCommunicator local;
  Communicator& comm = group ? *group : local;
  const bool data_parallel = comm.info().world_size > 1;
  const auto* c10d_group = dynamic_cast<const C10dCommunicator*>(&comm);
  const SubmissionEntry& sub = resolve_submission(r.submission, r.search_space_path);
  std::unique_ptr<Workload> workload = make_workload(r.workload);
  const WorkloadSpec& spec = workload->spec();

  // Hyperparameter points: the search space (external) or the fixed configuration (self).
  const std::optional<SearchSpace> space = study_search_space(r, sub);
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
  const std::vector<Hyperparameters> points = study_points(sub, space ? &*space : nullptr, num_trials,
                                                          search_seed(r.seed, r.study, spec.name),
                                                          r.self_tuning_config_path);
  ensure_directory(r.experiment_dir, "experiment directory");
  // Refused before any data is read; experiment.json is written only when a trial starts, so a run
  // that fails on its data or device leaves nothing that would block its corrected rerun.
  const nlohmann::json config = check_experiment_config(r.experiment_dir / sub.name, r, sub, space);
  set_threads(r.threads);
  const torch::Device device = parse_device(r.device);
  workload->load_data(DataOptions{r.data_dir, device});

  const double multiplier = budget_multiplier(r.ruleset, r.rules);
  print_settings(out, r, spec, sub, multiplier);
  if (data_parallel)
    fmt::print(out, "  {:<22} {} ({}; the global batch shards by rank; rank 0 writes the logs)\n", "processes",
               comm.info().world_size, c10d_group ? c10d_group->backend() : "?");

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
    const bool finished = TrialLog::is_finished(o.dir);
    if (finished && !r.overwrite) {
      fmt::print(out, "\ntrial {}: already finished in {} (files kept)\n", trial, o.dir.string());
      o.skipped = true;
      o.result = result_from_json(TrialLog::read_result(o.dir));
      outcomes.push_back(o);
      continue;
    }
    record_experiment_config(r.experiment_dir / sub.name, config);
    if (finished) {
      // The result goes first: killed from here on, the trial is unfinished, never half old, half new.
      fmt::print(out, "\ntrial {}: finished earlier; --overwrite runs it again\n", trial);
      std::filesystem::remove(o.dir / "trial_result.json");
    }
    if (const auto problem = TrialLog::corrupt_result(o.dir))
      fmt::print(out, "\ntrial {}: {}; the trial is unfinished and runs again\n", trial, *problem);
    const Hyperparameters& hparams = points[trial - 1];
    std::unique_ptr<Submission> submission = sub.make();
    TrialOptions options;
    options.ruleset = r.ruleset;
    options.rules = r.rules;
    options.seed = o.seed;
    options.max_steps = r.max_steps;
    options.max_runtime_s = r.max_runtime_s;
    options.stop_at_targets = r.stop_at_targets;
    options.device = device;
    const std::filesystem::path checkpoint_file = o.dir / kCheckpointFile;
    options.checkpoint_file = checkpoint_file.string();
    // Not yet under data parallelism: only rank 0 would hold the checkpoint (docs/distributed.md).
    options.checkpoint_every_s = data_parallel ? 0 : r.checkpoint_every_min * 60;

    // A killed attempt's checkpoint: this trial resumes from it (docs/tuning.md, "Checkpoints and
    // preemption"). One of a finished trial run again (--overwrite) or of another trial is not used.
    std::optional<TrialCheckpoint> checkpoint;
    std::unique_ptr<TrialLog> log;
    if (finished) std::filesystem::remove(checkpoint_file);
    try {
      if (!data_parallel) checkpoint = TrialCheckpoint::read(checkpoint_file);
      if (checkpoint && checkpoint->loop.identity != trial_identity(spec, submission->batch_size(spec), hparams, options))
        throw std::runtime_error(checkpoint_file.string() + ": a checkpoint of another trial (workload, seed, batch " +
                                 "size, hyperparameters or rules differ)");
      if (checkpoint) log = std::make_unique<TrialLog>(o.dir, checkpoint->loop.train_state.num_evals);
    } catch (const std::exception& e) {
      fmt::print(out, "\ntrial {}: {}; the trial restarts from step 0\n", trial, e.what());
      checkpoint.reset();
    }
    if (!log) log = std::make_unique<TrialLog>(o.dir);
    const int64_t preemption_count = checkpoint ? checkpoint->loop.preemption_count + 1 : 0;
    if (!checkpoint) log->write_json("hparams.json", nlohmann::json::parse(hparams.to_json()));
    nlohmann::json meta = environment_info(r.device);
    meta["rng_seed"] = o.seed;
    meta["workload"] = spec.name;
    meta["submission"] = sub.name;
    meta["ruleset"] = to_string(r.ruleset);
    meta["rules_version"] = to_string(r.rules);
    meta["study"] = r.study;
    meta["trial"] = trial;
    if (data_parallel) {
      meta["world_size"] = comm.info().world_size;
      meta["backend"] = c10d_group ? c10d_group->backend() : "?";
    }
    // The budget in seconds on this machine, now (docs/timing.md): timed before the trial, untimed. A
    // resumed trial keeps the one it started with.
    std::optional<double> reference_step_s = r.reference_step_s;
    if (checkpoint) {
      meta["preemption_count"] = preemption_count;
      meta["resumed_at_step"] = checkpoint->loop.train_state.global_step;
      if (uses_reference_steps(spec)) {
        reference_step_s = checkpoint->loop.reference_step_s;
        meta["reference_step"] = {{"median_s", *reference_step_s}, {"from_checkpoint", true}};
      }
    } else if (uses_reference_steps(spec) && !reference_step_s) {
      const ReferenceStepTiming t = measure_reference_step(*workload);
      reference_step_s = t.median_s;
      meta["reference_step"] = {{"median_s", t.median_s}, {"samples_s", t.samples_s},
                                {"steps_per_sample", t.steps_per_sample}, {"warmup_steps", t.warmup_steps},
                                {"batch_size", spec.reference_batch_size}};
    } else if (reference_step_s) {
      meta["reference_step"] = {{"median_s", *reference_step_s}, {"given", true}};
    }
    if (uses_reference_steps(spec)) {
      const TrialClockBudget b = budget_in_seconds(spec, *reference_step_s, multiplier, r.max_runtime_s);
      meta["budget_reference_steps"] = spec.budget_reference_steps;
      meta["budget_multiplier"] = multiplier;
      meta["max_runtime_s"] = b.max_runtime_s;
      meta["eval_period_s"] = b.eval_period_s;
    }
    // AlgoPerf's names: meta_data_<preemption_count>.json, flags_<preemption_count>.json.
    log->write_json(fmt::format("meta_data_{}.json", preemption_count), meta);
    log->write_json(fmt::format("flags_{}.json", preemption_count), r.flags);

    fmt::print(out, "\ntrial {}/{}  seed {}  hparams {}\n", trial, num_trials, o.seed,
               nlohmann::json::parse(hparams.to_json()).dump());
    if (checkpoint)
      fmt::print(out, "  resumed from its checkpoint at step {} ({:.2f} s of submission time; preemption {})\n",
                 checkpoint->loop.train_state.global_step, checkpoint->loop.train_state.accumulated_submission_time,
                 preemption_count);
    else if (uses_reference_steps(spec))
      fmt::print(out, "  reference step {:.2f} ms{} -> budget {:.1f} s, eval every {:.2f} s\n", *reference_step_s * 1e3,
                 r.reference_step_s ? " (given)" : "", meta["max_runtime_s"].get<double>(),
                 meta["eval_period_s"].get<double>());
    options.reference_step_s = reference_step_s;
    options.resume_from = checkpoint ? &*checkpoint : nullptr;
    options.on_eval = [&](const EvalRecord& rec) {
      log->append_eval(rec);
      const double val = rec.metrics.at("validation").at(spec.target_metric);
      fmt::print(out, "  step {:>6} | time {:>7.2f}s | train loss {:.4f} | val {} {} / {} | lr {:.2e}{}\n",
                 rec.global_step, rec.submission_time, rec.last_train_loss, spec.target_metric, fmt_metric(val),
                 spec.validation_target, rec.lr, rec.validation_goal_reached ? "  ✓" : "");
      out.flush();
    };
    options.on_checkpoint = [&](int64_t, bool written) {
      if (!written)
        fmt::print(out, "  ({} cannot be checkpointed: a killed trial of it restarts from step 0)\n", sub.name);
    };
    try {
      // The other ranks run this trial too, under rank 0's budget (docs/distributed.md). A rank that
      // stopped before this broadcast fails the trial as one that stops during it does.
      if (data_parallel) announce_trial(comm, {trial, reference_step_s});
      o.result = run_trial(*workload, *submission, hparams, options, comm);
    } catch (const GroupFailure& e) {  // another rank stopped: recorded as failed, and the study stops below
      o.result.status = TrialStatus::Failed;
      o.result.message = e.what();
    }
    log->finish(o.result);
    // Finished: its checkpoint has served (removed after trial_result.json, so a kill in between
    // leaves a finished trial).
    std::error_code ignored;
    std::filesystem::remove(checkpoint_file, ignored);
    if (o.result.status == TrialStatus::Failed)
      fmt::print(out, "  -> trial {} failed ({}):\n{}\n", trial, o.dir.string(), o.result.message);
    else if (o.result.time_to_target)
      fmt::print(out, "  -> reached the validation target at step {} after {:.2f} s of submission time ({})\n",
                 *o.result.step_to_target, *o.result.time_to_target, to_string(o.result.status));
    else
      fmt::print(out, "  -> did not reach the validation target ({}; best {} {}){}\n", to_string(o.result.status),
                 spec.target_metric, fmt_metric(o.result.best_validation),
                 o.result.message.empty() ? "" : ": " + o.result.message);
    outcomes.push_back(o);
    // Under data parallelism a failed trial has left the group unusable (a rank stopped, or the ranks
    // are in different collectives): recorded as failed above, it ends the study on every rank.
    if (data_parallel && o.result.status == TrialStatus::Failed)
      throw GroupFailure(fmt::format("trial {} failed under data parallelism and the study stops (recorded in {}): {}",
                                     trial, o.dir.string(), o.result.message));
  }
  if (data_parallel) announce_trial(comm, {0, std::nullopt});
  return outcomes;
}

}  // namespace trainperf
