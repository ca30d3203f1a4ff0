#include "runner/run_flags.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace trainperf {

const std::vector<RunFlagSpec>& run_flags() {
  // AlgoPerf's spellings are aliases only where the meaning is the same (docs/tuning.md).
  static const std::vector<RunFlagSpec> flags = {
      {RunFlag::Workload, "--workload", "-w", "workload name (see `trainperf list`)"},
      {RunFlag::Submission, "--submission", "-s,--submission_path", "submission name, the path of a plugin .so, a Python submission file (.py), or torch.optim.X / module:Class"},
      {RunFlag::Ruleset, "--ruleset", "--tuning_ruleset", "external | self"},
      {RunFlag::Rules, "--rules", "", "rules version: v0.6 (default) | v0.5"},
      {RunFlag::Study, "--study", "", "study index"},
      {RunFlag::Trials, "--trials", "--num_tuning_trials", "trials per study (external tuning)"},
      {RunFlag::OnlyTrial, "--only-trial", "", "run only this trial (1-based) of the study"},
      {RunFlag::Seed, "--seed", "--rng_seed",
       "base seed, a whole number 0..2^64-1; data, init and step seeds derive from it"},
      {RunFlag::ExperimentDir, "--experiment-dir", "--experiment_dir", "where logs go (AlgoPerf layout)"},
      {RunFlag::Threads, "--threads", "", "intra-op threads (0 = all cores)"},
      {RunFlag::Device, "--device", "", "cpu | cuda | cuda:N"},
      {RunFlag::MaxSteps, "--max-steps", "--max_global_steps", "stop a trial after this many steps"},
      {RunFlag::MaxRuntime, "--max-runtime", "",
       "budget in seconds of submission time, replacing the workload's (target-setting runs: train to "
       "--max-steps whatever the time)"},
      {RunFlag::ReferenceStep, "--reference-step-s", "",
       "the reference step's time in seconds, instead of timing it before each trial (docs/timing.md: to "
       "replay another machine's budget)"},
      {RunFlag::TrainPastTargets, "--train-past-targets", "",
       "keep training after both targets are reached (target-setting runs)", true},
      {RunFlag::SearchSpace, "--search-space", "--tuning_search_space",
       "search-space JSON (external tuning); default: the submission's"},
      {RunFlag::DataDir, "--data-dir", "--data_dir", "dataset folder (default: the Debian package's location)"},
      {RunFlag::ExperimentName, "--experiment_name", "",
       "AlgoPerf's spelling: logs go to <experiment dir>/<this name>"},
      {RunFlag::Overwrite, "--overwrite", "",
       "run this command's trials again even if they finished (their files are replaced; the experiment's "
       "configuration must still match)",
       true},
      {RunFlag::CheckpointEveryMin, "--checkpoint-every-min", "",
       "minutes of wall time between a trial's checkpoints (model, optimizer, data stream; 0 = none); a "
       "killed trial rerun resumes from its last one (docs/tuning.md)"},
      {RunFlag::SelfTuningConfig, "--self-tuning-config", "",
       "self-tuning: a JSON file of hyperparameters used instead of the submission's shipped "
       "self_tuning.json (e.g. the self_tuning.json `trainperf calibrate` writes); its keys must fit the "
       "submission's declared ones (`trainperf list --submission S`)"},
  };
  return flags;
}

const RunFlagSpec& run_flag(RunFlag flag) {
  for (const auto& f : run_flags())
    if (f.flag == flag) return f;
  throw std::logic_error("run flag missing from run_flags()");
}

std::string cli_names(const RunFlagSpec& spec) {
  return spec.aliases.empty() ? spec.name : spec.name + "," + spec.aliases;
}

std::vector<std::string> run_arguments(const StudyRequest& r) {
  std::vector<std::string> out;
  for (const auto& f : run_flags()) {
    auto add = [&](const std::string& value) { out.insert(out.end(), {f.name, value}); };
    switch (f.flag) {
      case RunFlag::Workload: add(r.workload); break;
      case RunFlag::Submission: add(r.submission); break;
      case RunFlag::Ruleset: add(to_string(r.ruleset)); break;
      case RunFlag::Rules: add(to_string(r.rules)); break;
      case RunFlag::Study: add(std::to_string(r.study)); break;
      case RunFlag::Trials: add(std::to_string(r.ruleset == Ruleset::Self ? 1 : r.trials)); break;
      case RunFlag::OnlyTrial: if (r.only_trial) add(std::to_string(*r.only_trial)); break;
      case RunFlag::Seed: add(std::to_string(r.seed)); break;
      case RunFlag::ExperimentDir: add(r.experiment_dir.string()); break;
      case RunFlag::Threads: add(std::to_string(r.threads)); break;
      case RunFlag::Device: add(r.device); break;
      case RunFlag::MaxSteps: if (r.max_steps) add(std::to_string(*r.max_steps)); break;
      case RunFlag::MaxRuntime: if (r.max_runtime_s) add(fmt::format("{}", *r.max_runtime_s)); break;
      case RunFlag::ReferenceStep: if (r.reference_step_s) add(fmt::format("{}", *r.reference_step_s)); break;
      case RunFlag::TrainPastTargets: if (!r.stop_at_targets) out.push_back(f.name); break;
      case RunFlag::SearchSpace: if (!r.search_space_path.empty()) add(r.search_space_path); break;
      case RunFlag::DataDir: if (!r.data_dir.empty()) add(r.data_dir); break;
      case RunFlag::ExperimentName: break;  // already part of experiment_dir
      case RunFlag::Overwrite: if (r.overwrite) out.push_back(f.name); break;
      case RunFlag::CheckpointEveryMin:
        if (r.checkpoint_every_min != kDefaultCheckpointEveryMin) add(fmt::format("{}", r.checkpoint_every_min));
        break;
      case RunFlag::SelfTuningConfig: if (!r.self_tuning_config_path.empty()) add(r.self_tuning_config_path); break;
    }
  }
  return out;
}

std::optional<double> number_text(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) return std::nullopt;
  return v;
}

namespace {

template <typename T>
T parse_whole(const std::string& key, const std::string& s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    throw std::invalid_argument(fmt::format("flag '{}': '{}' is not a whole number", key, s));
  return v;
}

bool parse_switch(const std::string& s) { return !s.empty() && s != "0" && s != "false"; }

}  // namespace

StudyRequest request_from_flags(const nlohmann::json& flags) {
  StudyRequest r;
  if (!flags.is_object()) throw std::invalid_argument("not a JSON object of flags");
  for (const auto& f : run_flags()) {
    const std::string key = f.name.substr(2);
    if (!flags.contains(key)) continue;
    const auto& j = flags[key];
    const std::string v = j.is_string() ? j.get<std::string>() : j.dump();
    if (v.empty() || j.is_null()) continue;
    switch (f.flag) {
      case RunFlag::Workload: r.workload = v; break;
      case RunFlag::Submission: r.submission = v; break;
      case RunFlag::Ruleset: r.ruleset = parse_ruleset(v); break;
      case RunFlag::Rules: r.rules = parse_rules_version(v); break;
      case RunFlag::Study: r.study = parse_whole<int>(key, v); break;
      case RunFlag::Trials: r.trials = parse_whole<int>(key, v); break;
      case RunFlag::OnlyTrial: if (const int t = parse_whole<int>(key, v); t > 0) r.only_trial = t; break;
      case RunFlag::Seed: r.seed = parse_whole<uint64_t>(key, v); break;
      case RunFlag::ExperimentDir: r.experiment_dir = v; break;
      case RunFlag::Threads: r.threads = parse_whole<int>(key, v); break;
      case RunFlag::Device: r.device = v; break;
      case RunFlag::MaxSteps: if (const auto s = parse_whole<int64_t>(key, v); s > 0) r.max_steps = s; break;
      case RunFlag::MaxRuntime:
      case RunFlag::ReferenceStep: {
        const std::optional<double> s = number_text(v);
        if (!s) throw std::invalid_argument(fmt::format("flag '{}': '{}' is not a number", key, v));
        if (*s > 0) (f.flag == RunFlag::MaxRuntime ? r.max_runtime_s : r.reference_step_s) = *s;
        break;
      }
      case RunFlag::TrainPastTargets: r.stop_at_targets = !parse_switch(v); break;
      case RunFlag::SearchSpace: r.search_space_path = v; break;
      case RunFlag::DataDir: r.data_dir = v; break;
      case RunFlag::ExperimentName: break;  // folded into experiment-dir when the trial ran
      case RunFlag::Overwrite: r.overwrite = parse_switch(v); break;
      case RunFlag::CheckpointEveryMin: {
        const std::optional<double> m = number_text(v);
        if (!m || !(*m >= 0)) throw std::invalid_argument(fmt::format("flag '{}': '{}' is not a number of minutes", key, v));
        r.checkpoint_every_min = *m;
        break;
      }
      case RunFlag::SelfTuningConfig: r.self_tuning_config_path = v; break;
    }
  }
  return r;
}

const std::vector<std::pair<std::string, std::string>>& algoperf_flags_without_equivalent() {
  static const std::vector<std::pair<std::string, std::string>> flags = {
      {"--framework", "one framework, C++/LibTorch (logs go to <workload>_cpp)"},
      {"--torch_compile", "LibTorch's C++ API has no torch.compile; trials run eagerly"},
      {"--imagenet_v2_data_dir, --librispeech_tokenizer_vocab_path",
       "each workload finds its own files under --data-dir (docs/data.md)"},
      {"--resume_last_run", "always on: a rerun keeps finished trials and reruns unfinished ones"},
      {"--save_checkpoints, --save_intermediate_checkpoints",
       "--checkpoint-every-min N instead (0 = none): one checkpoint per trial, replaced every N minutes "
       "and removed when the trial finishes"},
      {"--append_timestamp", "a rerun into the same folder resumes; give another --experiment-dir for a new one"},
      {"--hparam_start_index, --hparam_end_index",
       "--only-trial N runs one trial (1-based); `trainperf plan` prints one command per trial"},
      {"--use_wandb, --profile", "no W&B or profiler hooks; the logs are AlgoPerf's files"},
      {"--set_pytorch_max_split_size, --pytorch_eval_num_workers",
       "Python PyTorch allocator and data-loader settings with no counterpart here"},
  };
  return flags;
}

}  // namespace trainperf
