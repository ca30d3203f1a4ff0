// Python submissions (src/python): AlgoPerf-style files and torch.optim classes run through the real
// runner on real workloads. The fixtures are written here, from AlgoPerf's API and the equations.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "python/algoperf_analogs.h"
#include "python/python_submission.h"
#include "runner/runner.h"
#include "support/cli.h"
#include "support/resume_run.h"
#include "workloads/registry.h"

namespace fs = std::filesystem;
using namespace trainperf;
using namespace trainperf::testing;

namespace {

fs::path temp_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() / ("trainperf_py_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// NAdamW with AlgoPerf's warmup + cosine schedule, written to AlgoPerf's v0.6 PyTorch API from the
// equations (Dozat 2016 with decoupled weight decay): the same algorithm as the C++ `nadamw`. One copy,
// bench/python_step's: the benchmark times the file this test checks.
std::string nadamw_file() {
  const fs::path path = fs::path(TRAINPERF_TESTS_DIR) / ".." / "bench" / "python_nadamw_submission.py";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Hyperparameters nadamw_point() {
  Hyperparameters p;
  p.set("learning_rate", 2e-3);
  p.set("one_minus_beta1", 0.1);
  p.set("beta2", 0.995);
  p.set("weight_decay", 0.05);
  p.set("warmup_factor", 0.01);
  p.set("label_smoothing", 0.0);
  p.set("dropout_rate", 0.0);
  return p;
}

std::string point_json(const Hyperparameters& p) { return "[" + p.to_json() + "]"; }

struct TrialRun {
  TrialResult result;
  std::vector<EvalRecord> evals;
};

// One trial through the runner: `steps` steps, the budget in seconds so that no reference step is timed.
TrialRun run(const SubmissionEntry& entry, const std::string& workload_name, const Hyperparameters& point,
        int64_t steps, Ruleset ruleset = Ruleset::External) {
  std::unique_ptr<Workload> workload = make_workload(workload_name);
  workload->load_data({});
  const Hyperparameters h = ruleset == Ruleset::Self ? entry.self_tuning_config() : entry.resolve(point, "test");
  auto submission = entry.make();
  TrialOptions o;
  o.ruleset = ruleset;
  o.seed = 17;
  o.max_steps = steps;
  o.max_runtime_s = 1e6;
  o.reference_step_s = 1.0;
  o.stop_at_targets = false;
  TrialRun r;
  o.on_eval = [&](const EvalRecord& e) { r.evals.push_back(e); };
  LocalCommunicator comm;
  r.result = run_trial(*workload, *submission, h, o, comm);
  return r;
}

double validation_loss(const EvalRecord& e) { return e.metrics.at("validation").at("loss"); }

}  // namespace

TEST(PythonSubmission, NadamwFileFollowsTheCppNadamwTrajectory) {
  const fs::path dir = temp_dir("nadamw");
  write(dir / "nadamw_equations.py", nadamw_file());
  const Hyperparameters point = nadamw_point();
  write(dir / "tuning_search_space.json", point_json(point));
  const SubmissionEntry& py = resolve_submission((dir / "nadamw_equations.py").string());
  EXPECT_EQ(py.name, "nadamw_equations");
  const TrialRun a = run(py, "fmnist_mlp", point, 50);
  const TrialRun b = run(resolve_submission("nadamw"), "fmnist_mlp", point, 50);
  ASSERT_EQ(a.result.status, TrialStatus::MaxSteps) << a.result.message;
  ASSERT_EQ(b.result.status, TrialStatus::MaxSteps) << b.result.message;
  ASSERT_FALSE(a.evals.empty());
  ASSERT_FALSE(b.evals.empty());
  const EvalRecord& x = a.evals.back();
  const EvalRecord& y = b.evals.back();
  EXPECT_EQ(x.global_step, 50);
  EXPECT_EQ(y.global_step, 50);
  EXPECT_NEAR(x.last_train_loss, y.last_train_loss, 1e-5);
  EXPECT_NEAR(validation_loss(x), validation_loss(y), 1e-5);
  // It trained: the loss after 50 steps is well below the first step's.
  EXPECT_LT(validation_loss(x), validation_loss(a.evals.front()) - 0.1);
  fs::remove_all(dir);
}

TEST(PythonSubmission, TorchOptimSgdEqualsTheCppHeavyBallSubmission) {
  const fs::path dir = temp_dir("sgd");
  Hyperparameters p;
  p.set("learning_rate", 0.05);
  p.set("one_minus_beta1", 0.1);
  p.set("weight_decay", 1e-3);
  p.set("warmup_factor", 0.02);
  Hyperparameters torch_point = p;
  torch_point.set("schedule", std::string("constant_with_warmup"));
  Hyperparameters cpp_point = p;
  cpp_point.set("end_factor", 1.0);  // momentum's warmup + linear decay to 1.0: constant after warmup
  const TrialRun a = run(resolve_submission("torch.optim.SGD"), "fmnist_mlp", torch_point, 40);
  const TrialRun b = run(resolve_submission("momentum"), "fmnist_mlp", cpp_point, 40);
  ASSERT_EQ(a.result.status, TrialStatus::MaxSteps) << a.result.message;
  ASSERT_EQ(b.result.status, TrialStatus::MaxSteps) << b.result.message;
  EXPECT_NEAR(a.evals.back().last_train_loss, b.evals.back().last_train_loss, 1e-5);
  EXPECT_NEAR(validation_loss(a.evals.back()), validation_loss(b.evals.back()), 1e-5);
  // The harness's schedule drives lr (still warming up at step 40: 60 warmup steps of step_hint 3000).
  EXPECT_DOUBLE_EQ(a.evals.back().lr, b.evals.back().lr);
  EXPECT_GT(a.evals.back().lr, 0.0);
  fs::remove_all(dir);
}

// A torch.optim optimizer's state is not part of trainperf's checkpoints: with a checkpoint due at
// every step the trial still runs to the end, without writing one (it threw after the first
// --checkpoint-every-min before), and a killed trial of it would restart from step 0.
TEST(PythonSubmission, TorchOptimKeysComeFromTheConstructor) {
  const SubmissionEntry& e = resolve_submission("torch.optim.AdamW");
  const HParamSchema s = e.schema();
  for (const char* key : {"learning_rate", "one_minus_beta1", "beta2", "weight_decay", "eps", "amsgrad", "schedule",
                          "warmup_factor", "label_smoothing"})
    EXPECT_NE(s.find(key), nullptr) << key;
  Hyperparameters bad;
  bad.set("learning_rate", 1e-3);
  bad.set("weight_decy", 0.1);
  EXPECT_THROW((void)e.resolve(bad, "test"), SearchSpaceError);
  EXPECT_THROW((void)resolve_submission("torch.optim.NoSuchOptimizer"), std::invalid_argument);
}

TEST(PythonSubmission, V05FormFileRuns) {
  const fs::path dir = temp_dir("v05");
  // algorithmic_efficiency, no train_state, no prepare_for_eval; a plain SGD step.
  write(dir / "submission.py", R"PY(
import torch
from algorithmic_efficiency import spec
from algorithmic_efficiency.pytorch_utils import pytorch_setup

pytorch_setup()


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  return {'optimizer': torch.optim.SGD(model_params.parameters(), lr=hyperparameters.learning_rate)}


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng):
  assert loss_type == spec.LossType.SOFTMAX_CROSS_ENTROPY
  assert isinstance(hyperparameters.learning_rate, float)
  optimizer_state['optimizer'].zero_grad()
  logits, model_state = workload.model_fn(current_param_container, batch, model_state,
                                          spec.ForwardPassMode.TRAIN, rng, True)
  out = workload.loss_fn(batch['targets'], logits, batch.get('weights'))
  (out['summed'] / out['n_valid_examples']).backward()
  optimizer_state['optimizer'].step()
  return optimizer_state, current_param_container, model_state


def get_batch_size(workload_name):
  return 16


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
)PY");
  Hyperparameters p;
  p.set("learning_rate", 0.1);
  write(dir / "tuning_search_space.json", point_json(p));
  const SubmissionEntry& e = resolve_submission((dir / "submission.py").string());
  EXPECT_EQ(e.name, fs::path(dir).filename().string());  // a submission.py is named by its folder
  EXPECT_NE(e.description.find("algorithmic_efficiency; update_params without train_state"), std::string::npos)
      << e.description;
  const TrialRun r = run(e, "fmnist_mlp", p, 20);
  ASSERT_EQ(r.result.status, TrialStatus::MaxSteps) << r.result.message;
  EXPECT_LT(validation_loss(r.evals.back()), validation_loss(r.evals.front()));
  fs::remove_all(dir);
}

TEST(PythonSubmission, BatchSizeIsScaledFromTheAlgoPerfAnalog) {
  // A submission returning AlgoPerf's baseline batch size gets ours.
  for (const char* name : {"fmnist_mlp", "fmnist_resnet", "austen_lm"}) {
    std::unique_ptr<Workload> w = make_workload(name);
    const AlgoPerfAnalog* a = algoperf_analog(w->spec());
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(scaled_batch_size(w->spec(), a->algoperf_batch_size), w->spec().reference_batch_size) << name;
    EXPECT_EQ(scaled_batch_size(w->spec(), 2 * a->algoperf_batch_size), 2 * w->spec().reference_batch_size) << name;
    EXPECT_GE(scaled_batch_size(w->spec(), 1), 1);
  }
}

TEST(PythonSubmission, BatchNormWorkloadRunsWithModelState) {
  const fs::path dir = temp_dir("bn");
  // Checks, from inside, that update_batch_norm=True moves the running statistics (which the
  // container holds as the C++ model's buffers) and False leaves them; a failed check fails the trial.
  write(dir / "bn_check.py", R"PY(
import torch
from algoperf import spec

HPARAMS = {'learning_rate': 0.01}


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  assert hyperparameters is None  # self-tuning: the file's own HPARAMS
  types = workload.model_params_types
  assert spec.ParameterType.BATCH_NORM_SCALE in types.values(), types
  return {'optimizer': torch.optim.SGD(model_params.parameters(), lr=HPARAMS['learning_rate'])}


def _stats(model):
  return [b.clone() for n, b in model.named_buffers() if n.endswith('running_mean')]


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng, train_state=None):
  before = _stats(current_param_container)
  assert before, 'no BatchNorm running statistics among the buffers'
  with torch.no_grad():
    workload.model_fn(current_param_container, batch, model_state, spec.ForwardPassMode.TRAIN, rng, False)
  assert all(torch.equal(a, b) for a, b in zip(before, _stats(current_param_container)))
  optimizer_state['optimizer'].zero_grad()
  logits, model_state = workload.model_fn(current_param_container, batch, model_state,
                                          spec.ForwardPassMode.TRAIN, rng, True)
  assert not all(torch.equal(a, b) for a, b in zip(before, _stats(current_param_container)))
  out = workload.loss_fn(batch['targets'], logits, batch.get('weights'))
  (out['summed'] / out['n_valid_examples']).backward()
  optimizer_state['optimizer'].step()
  return optimizer_state, current_param_container, model_state


def get_batch_size(workload_name):
  assert workload_name == 'imagenet_resnet'
  return 256


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
)PY");
  const SubmissionEntry& e = resolve_submission((dir / "bn_check.py").string());
  const TrialRun r = run(e, "fmnist_resnet", {}, 2, Ruleset::Self);
  EXPECT_EQ(r.result.status, TrialStatus::MaxSteps) << r.result.message;
  EXPECT_EQ(r.result.global_step, 2);
  fs::remove_all(dir);
}

TEST(PythonSubmission, PrepareForEvalWeightSwapIsWhatIsEvaluated) {
  const fs::path dir = temp_dir("swap");
  // prepare_for_eval returns a container whose weights are all zero: the model then predicts the
  // uniform distribution, so every evaluation's loss is ln(10) exactly; training alone would not.
  std::string file = nadamw_file();
  const std::string marker = "def prepare_for_eval(";
  file.replace(file.find(marker), marker.size(), "def _unused_prepare_for_eval(");
  write(dir / "plain.py", file);
  file += R"PY(

import copy


def prepare_for_eval(workload, current_param_container, current_params_types, model_state, hyperparameters,
                     loss_type, optimizer_state, eval_results, global_step, rng):
  swapped = copy.deepcopy(current_param_container)
  with torch.no_grad():
    for p in swapped.parameters():
      p.zero_()
  return optimizer_state, swapped, model_state
)PY";
  write(dir / "swap.py", file);
  const Hyperparameters point = nadamw_point();
  write(dir / "tuning_search_space.json", point_json(point));
  const TrialRun plain = run(resolve_submission((dir / "plain.py").string()), "fmnist_mlp", point, 30);
  const TrialRun swap = run(resolve_submission((dir / "swap.py").string()), "fmnist_mlp", point, 30);
  ASSERT_EQ(swap.result.status, TrialStatus::MaxSteps) << swap.result.message;
  ASSERT_FALSE(swap.evals.empty());
  for (const auto& e : swap.evals) EXPECT_NEAR(validation_loss(e), std::log(10.0), 1e-5) << "step " << e.global_step;
  EXPECT_GT(std::abs(validation_loss(plain.evals.back()) - std::log(10.0)), 0.1);
  fs::remove_all(dir);
}

TEST(PythonSubmission, AnExceptionFailsTheTrialWithItsTraceback) {
  const fs::path dir = temp_dir("raise");
  std::string file = nadamw_file();
  file.replace(file.find("  loss.backward()"), 17, "  loss.backward()\n  if global_step == 2:\n    1 / 0\n");
  write(dir / "raising.py", file);
  write(dir / "tuning_search_space.json", point_json(nadamw_point()));
  const fs::path exp = dir / "exp";
  const auto r = run_cli("run -w fmnist_mlp --submission " + (dir / "raising.py").string() +
                         " --trials 1 --max-steps 5 --threads 1 --reference-step-s 0.01 --experiment-dir " + exp.string());
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Traceback (most recent call last)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ZeroDivisionError"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find((dir / "raising.py").string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trial 1 failed"), std::string::npos) << r.output;
  const fs::path result = exp / "raising/study_0/fmnist_mlp_cpp/trial_1/trial_result.json";
  ASSERT_TRUE(fs::exists(result)) << r.output;
  const auto j = nlohmann::json::parse(std::ifstream(result));
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["global_step"], 2);
  // The first evaluation (step 1) is kept.
  EXPECT_TRUE(fs::exists(exp / "raising/study_0/fmnist_mlp_cpp/trial_1/eval_measurements.csv"));
  fs::remove_all(dir);
}

TEST(PythonSubmission, JaxImportIsRefused) {
  const fs::path dir = temp_dir("jax");
  write(dir / "jax_submission.py", "import jax\nimport jax.numpy as jnp\n");
  const auto r = run_cli("run -w fmnist_mlp --submission " + (dir / "jax_submission.py").string() +
                         " --max-steps 1 --experiment-dir " + (dir / "exp").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("JAX submissions are not supported; port it to PyTorch"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "exp" / "jax_submission"));
  fs::remove_all(dir);
}

TEST(PythonSubmission, AMissingFunctionIsNamed) {
  const fs::path dir = temp_dir("missing");
  std::string file = nadamw_file();
  file.replace(file.find("def data_selection("), 19, "def data_selektion(");
  write(dir / "incomplete.py", file);
  try {
    (void)resolve_submission((dir / "incomplete.py").string());
    FAIL() << "accepted a file without data_selection";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("data_selection"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("incomplete.py"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(PythonSubmission, ANanLossIsDivergence) {
  const fs::path dir = temp_dir("nan");
  std::string file = nadamw_file();
  file.replace(file.find("  loss.backward()"), 17,
               "  loss.backward()\n  if global_step == 3:\n    loss_dict['summed'].data.fill_(float('nan'))\n");
  write(dir / "nan.py", file);
  write(dir / "tuning_search_space.json", point_json(nadamw_point()));
  const TrialRun r = run(resolve_submission((dir / "nan.py").string()), "fmnist_mlp", nadamw_point(), 10);
  EXPECT_EQ(r.result.status, TrialStatus::Diverged) << r.result.message;
  EXPECT_EQ(r.result.global_step, 4);
  fs::remove_all(dir);
}

// AlgoPerf's own PyTorch submissions, unmodified, when scripts/fetch_algoperf_submissions.sh has
// fetched them (nothing of AlgoPerf is committed here); each is copied into a temp folder and run.
namespace {

fs::path algoperf_dir() {
  const char* env = std::getenv("TRAINPERF_ALGOPERF_DIR");
  if (env && *env) return env;
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/nonexistent") / ".cache/trainperf/algoperf";
}

// The fetched folder `name` copied into a temp folder; empty when it was not fetched.
std::optional<fs::path> algoperf_copy(const std::string& name) {
  const fs::path from = algoperf_dir() / name;
  if (!fs::is_regular_file(from / "submission.py")) return std::nullopt;
  const fs::path to = temp_dir("algoperf") / name;
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive);
  return to / "submission.py";
}

void expect_trains(const SubmissionEntry& e, const std::string& workload, Ruleset ruleset) {
  const Hyperparameters first =
      ruleset == Ruleset::External ? e.search_space().point(0, 0) : Hyperparameters();
  const TrialRun r = run(e, workload, first, 8, ruleset);
  EXPECT_EQ(r.result.status, TrialStatus::MaxSteps) << workload << ": " << r.result.message;
  ASSERT_FALSE(r.evals.empty()) << workload;
  EXPECT_TRUE(std::isfinite(r.evals.back().last_train_loss)) << workload;
  EXPECT_EQ(r.result.global_step, 8) << workload;
}

// austen_lm's dataset is built by `trainperf data prepare`; a data folder without it skips that part.
std::string austen_lm_missing() {
  try {
    make_workload("austen_lm")->load_data({});
  } catch (const std::exception& ex) {
    return ex.what();
  }
  return "";
}

}  // namespace

TEST(AlgoPerfSubmissions, NadamwBaselineRunsUnmodified) {
  const auto file = algoperf_copy("nadamw_baseline");
  if (!file) GTEST_SKIP() << "not fetched: scripts/fetch_algoperf_submissions.sh";
  const SubmissionEntry& e = resolve_submission(file->string());
  for (const char* w : {"fmnist_mlp", "fmnist_resnet"}) expect_trains(e, w, Ruleset::External);
  // The pinned baseline's get_batch_size knows finewebedu_lm (austen_lm's analog): its 64 is our 16.
  EXPECT_EQ(e.make()->batch_size(make_workload("austen_lm")->spec()), 16);
  const std::string austen_missing = austen_lm_missing();
  if (austen_missing.empty()) expect_trains(e, "austen_lm", Ruleset::External);
  fs::remove_all(file->parent_path().parent_path());
  if (!austen_missing.empty()) GTEST_SKIP() << "austen_lm not run: " << austen_missing;
}

TEST(AlgoPerfSubmissions, ScheduleFreeAdamwLeaderboardEntryRunsUnmodified) {
  const auto file = algoperf_copy("schedule_free_adamw");
  if (!file) GTEST_SKIP() << "not fetched: scripts/fetch_algoperf_submissions.sh";
  const SubmissionEntry& e = resolve_submission(file->string());
  for (const char* w : {"fmnist_mlp", "fmnist_resnet"}) expect_trains(e, w, Ruleset::Self);
  const std::string austen_missing = austen_lm_missing();
  if (austen_missing.empty()) expect_trains(e, "austen_lm", Ruleset::Self);
  fs::remove_all(file->parent_path().parent_path());
  if (!austen_missing.empty()) GTEST_SKIP() << "austen_lm not run: " << austen_missing;
}

TEST(AlgoPerfSubmissions, V05LeaderboardEntryRunsUnmodified) {
  const auto file = algoperf_copy("schedule_free_adamw_v05");
  if (!file) GTEST_SKIP() << "not fetched: scripts/fetch_algoperf_submissions.sh";
  expect_trains(resolve_submission(file->string()), "fmnist_mlp", Ruleset::Self);
  fs::remove_all(file->parent_path().parent_path());
}

// A Python file's workload sees the trial's converted seconds: the budget and the evaluation period
// in reference steps times the measured reference step (here set to 0.25 s), at init and at every step.
TEST(PythonSubmission, BudgetAndEvalPeriodAreTheTrialsSeconds) {
  const fs::path dir = temp_dir("seconds");
  write(dir / "seconds.py", R"PY(
import json
import os
from algoperf import spec

HPARAMS = {'learning_rate': 0.1}
SEEN = []


def _note(where, workload):
  SEEN.append([where, workload.eval_period_time_sec, workload.max_allowed_runtime_sec])
  with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seen.json'), 'w') as f:
    json.dump(SEEN, f)


def get_batch_size(workload_name):
  return 16


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  _note('init', workload)
  return {}


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng, train_state=None):
  _note('update', workload)
  logits, _ = workload.model_fn(current_param_container, batch, model_state, spec.ForwardPassMode.TRAIN, rng,
                                update_batch_norm=True)
  workload.loss_fn(batch['targets'], logits)
  return optimizer_state, current_param_container, model_state


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
)PY");
  const SubmissionEntry& entry = resolve_submission((dir / "seconds.py").string());
  std::unique_ptr<Workload> workload = make_workload("fmnist_mlp");
  workload->load_data({});
  ASSERT_GT(workload->spec().eval_period_reference_steps, 0) << "the test needs a period in reference steps";
  TrialOptions o;
  o.ruleset = Ruleset::Self;
  o.seed = 3;
  o.max_steps = 3;
  o.reference_step_s = 0.25;
  o.stop_at_targets = false;
  LocalCommunicator comm;
  auto submission = entry.make();
  const TrialResult r = run_trial(*workload, *submission, entry.self_tuning_config(), o, comm);
  ASSERT_EQ(r.status, TrialStatus::MaxSteps) << r.message;
  const double period = workload->spec().eval_period_reference_steps * 0.25;
  EXPECT_DOUBLE_EQ(r.eval_period_s, period);
  std::ifstream in(dir / "seen.json");
  const auto seen = nlohmann::json::parse(in);
  ASSERT_EQ(seen.size(), 4u);  // init + 3 updates
  for (const auto& s : seen) {
    EXPECT_DOUBLE_EQ(s[1].get<double>(), period) << s[0];
    EXPECT_DOUBLE_EQ(s[2].get<double>(), r.max_runtime_s) << s[0];
    EXPECT_GT(s[2].get<double>(), 0.0) << s[0];
  }
  fs::remove_all(dir);
}

// Checkpoints. A file whose optimizer state has torch objects with state_dict() (an optimizer, a
// chained schedule) beside plain values (an average of the weights, a list of the model's own
// parameters, a counter), and whose step depends on eval_results.
const char* kStatefulFile = R"PY(
import torch
from algoperf import spec


def get_batch_size(workload_name):
  return 32


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  params = list(model_params.parameters())
  opt = torch.optim.SGD(params, lr=hyperparameters.learning_rate, momentum=0.9)
  warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
  cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=workload.step_hint)
  return {'optimizer': opt,
          'scheduler': torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[3]),
          'average': [p.detach().clone() for p in params], 'params': params, 'updates': 0}


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng, train_state=None):
  current_param_container.train()
  opt = optimizer_state['optimizer']
  opt.zero_grad()
  logits, new_model_state = workload.model_fn(current_param_container, batch, model_state,
                                              spec.ForwardPassMode.TRAIN, rng, update_batch_norm=True)
  loss = workload.loss_fn(batch['targets'], logits)
  (loss['summed'] / loss['n_valid_examples']).backward()
  with torch.no_grad():
    for p in optimizer_state['params']:
      p.grad.mul_(1.0 + 0.1 * len(eval_results))
  opt.step()
  optimizer_state['scheduler'].step()
  optimizer_state['updates'] += 1
  with torch.no_grad():
    for a, p in zip(optimizer_state['average'], optimizer_state['params']):
      a.mul_(0.8).add_(p, alpha=0.2)
      p.add_(a - p, alpha=0.05 * optimizer_state['updates'] / (1 + optimizer_state['updates']))
  return optimizer_state, current_param_container, new_model_state


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
)PY";

// A killed Python trial resumes bit for bit, as the C++ submissions do (tests/runner/checkpoint_test.cpp):
// the state_dict entries, the pickled ones (the parameter list is the restored model's own tensors
// again), eval_results.
TEST(PythonSubmission, KilledFileTrialResumesBitForBit) {
  const fs::path dir = temp_dir("resume_file");
  write(dir / "stateful" / "stateful.py", kStatefulFile);
  Hyperparameters p;
  p.set("learning_rate", 0.05);
  write(dir / "stateful" / "tuning_search_space.json", point_json(p));
  const SubmissionEntry& stateful = resolve_submission((dir / "stateful" / "stateful.py").string());
  expect_resumes_exactly(stateful, stateful.resolve(p, "test"), dir);

  // The NAdamW of the equations (a dict of tensor lists and ints, no state_dict()).
  std::string file = nadamw_file();
  const std::string sizes = "{'mnist': 16, 'imagenet_resnet': 1024}[workload_name]";
  ASSERT_NE(file.find(sizes), std::string::npos);
  file.replace(file.find(sizes), sizes.size(), "32");
  write(dir / "nadamw" / "nadamw_equations.py", file);
  write(dir / "nadamw" / "tuning_search_space.json", point_json(nadamw_point()));
  const SubmissionEntry& nadamw = resolve_submission((dir / "nadamw" / "nadamw_equations.py").string());
  expect_resumes_exactly(nadamw, nadamw.resolve(nadamw_point(), "test"), dir);
  fs::remove_all(dir);
}

// torch.optim wrappers: the optimizer's state_dict (Adam's moments and step), the schedule by the step.
TEST(PythonSubmission, KilledTorchOptimTrialResumesBitForBit) {
  const fs::path dir = temp_dir("resume_optim");
  Hyperparameters p;
  p.set("learning_rate", 0.01);
  p.set("one_minus_beta1", 0.1);
  p.set("beta2", 0.99);
  p.set("weight_decay", 1e-3);
  p.set("warmup_factor", 0.05);
  const SubmissionEntry& adamw = resolve_submission("torch.optim.AdamW");
  expect_resumes_exactly(adamw, adamw.resolve(p, "test"), dir);
  fs::remove_all(dir);
}

// An optimizer state pickle cannot write (a lambda) is not checkpointed: tried once, said, the trial
// goes on to its end without one.
TEST(PythonSubmission, AnUnpicklableStateRunsWithoutCheckpoints) {
  const fs::path dir = temp_dir("unpicklable");
  std::string file = kStatefulFile;
  const std::string updates = "'updates': 0}";
  file.replace(file.find(updates), updates.size(), "'updates': 0, 'hook': lambda x: x}");
  write(dir / "lambda.py", file);
  Hyperparameters p;
  p.set("learning_rate", 0.05);
  write(dir / "tuning_search_space.json", point_json(p));
  const SubmissionEntry& entry = resolve_submission((dir / "lambda.py").string());
  TinyRun run(dir / "checkpoint.pt", 1e-9);
  std::vector<bool> written;
  run.options.on_checkpoint = [&](int64_t, bool w) { written.push_back(w); };
  const TrialResult r = run.run(entry, entry.resolve(p, "test"));
  EXPECT_EQ(r.status, TrialStatus::MaxSteps) << r.message;
  EXPECT_EQ(r.global_step, 12);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_FALSE(written.front());
  EXPECT_FALSE(fs::exists(dir / "checkpoint.pt"));
  fs::remove_all(dir);
}
