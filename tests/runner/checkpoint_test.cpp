// Mid-trial checkpoints: a trial stopped after a checkpoint and resumed from it goes on exactly as the
// uninterrupted trial (every registered submission, the runner's time accounting, a real SIGKILL of
// `trainperf run`), with AlgoPerf's preemption_count.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runner/checkpoint.h"
#include "runner/runner.h"
#include "submissions/registry.h"
#include "support/cli.h"
#include "support/fakes.h"
#include "support/resume_run.h"

namespace fs = std::filesystem;
using namespace trainperf;
using namespace trainperf::testing;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("trainperf_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

// Every registered submission, not a hand list: killed after a checkpoint and resumed, its losses and
// evaluations after the checkpoint are the uninterrupted run's, bit for bit (optimizer state,
// schedule, averages, Schedule-Free's and the averages' BatchNorm batches, the data stream's place).
TEST(Checkpoint, EverySubmissionResumesItsTrajectoryExactly) {
  const fs::path dir = scratch("ckpt_every");
  for (const auto& e : submissions().entries()) expect_resumes_exactly(e, e.self_tuning_config(), dir);
  fs::remove_all(dir);
}

namespace {
// The scripted submission, checkpointable (its state: the steps it has seen).
class CheckpointableFake final : public Submission, public Checkpointable {
 public:
  CheckpointableFake(ManualClock& clock, FakeWorkload& w) : inner_(clock, w) {}
  int64_t batch_size(const WorkloadSpec& s) const override { return inner_.batch_size(s); }
  void init_optimizer_state(const InitContext& ctx) override { inner_.init_optimizer_state(ctx); }
  Batch data_selection(const StepContext& ctx, BatchStream& s) override { return inner_.data_selection(ctx, s); }
  StepResult update_params(const StepContext& ctx, const Batch& b) override { return inner_.update_params(ctx, b); }
  void prepare_for_eval(const StepContext& ctx) override { inner_.prepare_for_eval(ctx); }
  bool save_state(torch::serialize::OutputArchive& archive) const override {
    archive.write("steps", torch::tensor(static_cast<int64_t>(inner_.steps_seen.size())));
    return true;
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    torch::Tensor steps;
    archive.read("steps", steps);
    loaded_steps = steps.item<int64_t>();
  }
  FakeSubmission inner_;
  int64_t loaded_steps = -1;
};

struct FakeRun {
  ManualClock clock;
  FakeWorkload workload{clock};
  CheckpointableFake submission{clock, workload};
  LocalCommunicator comm;
  TrialOptions options;
  std::vector<EvalRecord> evals;
  std::optional<int64_t> kill_at;
  explicit FakeRun(const fs::path& file) {
    options.clock = &clock;
    options.synchronize = [] {};
    options.max_steps = 25;
    options.checkpoint_file = file.string();
    options.checkpoint_every_s = 5;
    options.on_eval = [this](const EvalRecord& r) {
      if (kill_at && r.global_step == *kill_at) throw Killed{};
      evals.push_back(r);
    };
  }
  TrialResult run() { return run_trial(workload, submission, Hyperparameters(), options, comm); }
};
}  // namespace

// AlgoPerf's accounting (submission_runner.py with checkpoint_utils): the resumed trial starts from
// the checkpoint's accumulated submission, evaluation and logging times; what the killed attempt did
// after its checkpoint (steps, an evaluation) is lost and counted nowhere, its steps run and count
// again; the budget is the one the trial started under; preemption_count is one more. Here every
// step costs 1 s and every evaluation 15 s, so the resumed trial's records equal the uninterrupted
// one's in every time column.
TEST(Checkpoint, ResumedTrialCountsTimeAsAlgoPerfDoes) {
  const fs::path dir = scratch("ckpt_time");
  FakeRun whole(dir / "whole.pt");
  const TrialResult w = whole.run();
  EXPECT_FALSE(fs::exists(dir / "whole.pt.tmp"));

  FakeRun killed(dir / "killed.pt");
  killed.kill_at = 21;  // the evaluation at step 21: the last checkpoint was taken at step 17
  EXPECT_THROW(killed.run(), Killed);
  const auto checkpoint = TrialCheckpoint::read(dir / "killed.pt");
  ASSERT_TRUE(checkpoint);
  const int64_t at = checkpoint->loop.train_state.global_step;
  ASSERT_GT(at, 11);
  ASSERT_LT(at, 21);
  EXPECT_EQ(checkpoint->loop.batches_consumed, at);
  EXPECT_EQ(checkpoint->loop.train_state.num_evals, 2);  // steps 1 and 11

  FakeRun resumed(dir / "killed.pt");
  resumed.workload.spec_.max_runtime_s = 1;  // ignored: a resumed trial keeps the budget it started with
  resumed.options.resume_from = &*checkpoint;
  const TrialResult r = resumed.run();
  EXPECT_EQ(resumed.submission.loaded_steps, at);
  EXPECT_EQ(resumed.submission.inner_.steps_seen.front(), at);  // no step repeated before the checkpoint
  EXPECT_EQ(r.preemption_count, 1);
  EXPECT_EQ(r.max_runtime_s, w.max_runtime_s);
  EXPECT_DOUBLE_EQ(r.submission_time, w.submission_time);
  EXPECT_EQ(r.global_step, w.global_step);
  EXPECT_EQ(r.num_evals, w.num_evals);
  ASSERT_EQ(resumed.evals.size() + 2, whole.evals.size());
  for (size_t i = 0; i < resumed.evals.size(); ++i) {
    const EvalRecord &a = resumed.evals[i], &b = whole.evals[i + 2];
    EXPECT_EQ(a.global_step, b.global_step);
    EXPECT_DOUBLE_EQ(a.submission_time, b.submission_time);
    EXPECT_DOUBLE_EQ(a.accumulated_eval_time, b.accumulated_eval_time);
    EXPECT_DOUBLE_EQ(a.total_duration, b.total_duration);
    EXPECT_EQ(a.preemption_count, 1);
    EXPECT_EQ(b.preemption_count, 0);
  }
  fs::remove_all(dir);
}

TEST(Checkpoint, ASubmissionThatCannotBeCheckpointedWritesNoneAndSaysSoOnce) {
  const fs::path dir = scratch("ckpt_none");
  ManualClock clock;
  FakeWorkload workload{clock};
  FakeSubmission submission{clock, workload};  // not Checkpointable
  LocalCommunicator comm;
  TrialOptions options;
  options.clock = &clock;
  options.synchronize = [] {};
  options.max_steps = 25;
  options.checkpoint_file = (dir / "c.pt").string();
  options.checkpoint_every_s = 2;
  int told = 0;
  options.on_checkpoint = [&](int64_t, bool written) {
    EXPECT_FALSE(written);
    ++told;
  };
  EXPECT_EQ(run_trial(workload, submission, Hyperparameters(), options, comm).global_step, 25);
  EXPECT_EQ(told, 1);
  EXPECT_FALSE(fs::exists(dir / "c.pt"));
  fs::remove_all(dir);
}

TEST(Checkpoint, AnUnreadableCheckpointIsNamed) {
  const fs::path dir = scratch("ckpt_bad");
  std::ofstream(dir / "checkpoint.pt") << "not a zip";
  try {
    TrialCheckpoint::read(dir / "checkpoint.pt");
    FAIL() << "read a corrupt checkpoint";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "checkpoint.pt").string() + ": not a readable trainperf checkpoint"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(TrialCheckpoint::read(dir / "absent.pt"));
  fs::remove_all(dir);
}

namespace {

std::vector<std::string> csv_rows(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  return rows;
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string c; std::getline(ss, c, ',');) out.push_back(c);
  return out;
}

// A trainperf run that evaluates after every step (a reference step of 1e-7 s makes the evaluation
// period 12 us) and checkpoints after every step.
std::string every_step_run(const fs::path& exp) {
  return "run -w fmnist_mlp -s nadamw --ruleset self --max-steps 16 --threads 1 --reference-step-s 1e-7 "
         "--max-runtime 1000 --checkpoint-every-min 1e-9 --experiment-dir " + exp.string();
}

}  // namespace

// The test: a real `trainperf run` SIGKILLed mid-trial (at a moment drawn from a fixed seed),
// rerun: it resumes from its checkpoint and its log equals an uninterrupted run's, row for row, in
// every column but the times; preemption_count is 0 before the checkpoint and 1 after.
TEST(Checkpoint, KilledRunResumesWithTheUninterruptedTrajectory) {
  const fs::path root = scratch("ckpt_kill");
  const auto whole = run_cli(every_step_run(root / "whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  const fs::path whole_trial = root / "whole" / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  const auto expected = csv_rows(whole_trial / "eval_measurements.csv");
  ASSERT_EQ(expected.size(), 17u);  // header + one row per step
  EXPECT_FALSE(fs::exists(whole_trial / kCheckpointFile)) << "a finished trial keeps no checkpoint";

  const fs::path trial = root / "killed" / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  std::mt19937 draw(16);
  const size_t kill_after_rows = 3 + draw() % 8;  // 3..10 evaluations written
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    const std::string cmd = std::string(TRAINPERF_CLI) + " " + every_step_run(root / "killed") + " > /dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  for (int i = 0; i < 600 && csv_rows(trial / "eval_measurements.csv").size() < kill_after_rows + 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(draw() % 150));
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ASSERT_FALSE(fs::exists(trial / "trial_result.json")) << "the run finished before it was killed";
  ASSERT_TRUE(fs::exists(trial / kCheckpointFile));

  const auto rerun = run_cli(every_step_run(root / "killed"));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("resumed from its checkpoint at step"), std::string::npos) << rerun.output;
  const auto got = csv_rows(trial / "eval_measurements.csv");
  ASSERT_EQ(got.size(), expected.size()) << rerun.output;
  const auto header = cells(got[0]);
  ASSERT_EQ(header, cells(expected[0]));
  int resumed_rows = 0;
  for (size_t row = 1; row < got.size(); ++row) {
    const auto a = cells(got[row]), b = cells(expected[row]);
    ASSERT_EQ(a.size(), header.size());
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& col = header[c];
      if (col == "score" || col == "total_duration" || col.rfind("accumulated_", 0) == 0) continue;  // wall times
      if (col == "preemption_count") {
        resumed_rows += a[c] == "1";
        EXPECT_TRUE(a[c] == "0" || a[c] == "1") << a[c];
        EXPECT_EQ(b[c], "0");
        continue;
      }
      EXPECT_EQ(a[c], b[c]) << "row " << row << " column " << col;
    }
  }
  EXPECT_GT(resumed_rows, 0);
  EXPECT_LT(resumed_rows, 16);
  const auto result = nlohmann::json::parse(std::ifstream(trial / "trial_result.json"));
  EXPECT_EQ(result["preemption_count"], 1);
  EXPECT_EQ(result["global_step"], 16);
  EXPECT_TRUE(fs::exists(trial / "meta_data_1.json"));
  EXPECT_TRUE(fs::exists(trial / "flags_1.json"));
  EXPECT_FALSE(fs::exists(trial / kCheckpointFile));
  // Submission time only grows across the resume.
  double last = 0;
  const size_t score = std::find(header.begin(), header.end(), "score") - header.begin();
  for (size_t row = 1; row < got.size(); ++row) {
    const double t = std::stod(cells(got[row])[score]);
    EXPECT_GE(t, last) << "row " << row;
    last = t;
  }
  fs::remove_all(root);
}

TEST(Checkpoint, TheIntervalIsANumberOfMinutes) {
  const auto r = run_cli("run -w fmnist_mlp -s nadamw --checkpoint-every-min -1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'-1' is not a number of minutes (0 or more)"), std::string::npos) << r.output;
}
