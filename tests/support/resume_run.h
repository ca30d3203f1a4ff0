// A trial killed after a checkpoint and resumed from it, on the tiny BatchNorm workload: the harness
// tests/runner/checkpoint_test.cpp runs every registered submission through, and
// tests/python/python_submission_test.cpp the Python submissions.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "runner/checkpoint.h"
#include "runner/runner.h"
#include "submissions/registry.h"
#include "submissions/tiny_bn_workload.h"
#include "support/manual_clock.h"

namespace trainperf::testing {

struct Killed {};  // thrown from on_eval: the attempt stops there, as a SIGKILL would stop it

// One run of a submission on the BatchNorm workload, evaluated after every step (the clock moves one
// second per stamp, the period is one second), checkpointed every `every_s` stamps.
struct TinyRun {
  ManualClock clock;
  TinyBnWorkload workload;
  LocalCommunicator comm;
  TrialOptions options;
  std::vector<EvalRecord> evals;
  std::optional<int64_t> kill_at;  // stop at this step's evaluation

  TinyRun(const std::filesystem::path& checkpoint, double every_s) {
    workload.load_data({});
    options.clock = &clock;
    options.synchronize = [this] { clock.advance(1); };
    options.max_steps = 12;
    options.max_runtime_s = 1e9;
    options.stop_at_targets = false;  // the tiny problem's targets are easy: train all 12 steps
    options.seed = 5;
    options.checkpoint_file = checkpoint.string();
    options.checkpoint_every_s = every_s;
    options.on_eval = [this](const EvalRecord& r) {
      if (kill_at && r.global_step == *kill_at) throw Killed{};
      evals.push_back(r);
    };
  }
  TrialResult run(const SubmissionEntry& entry, const Hyperparameters& hparams) {
    auto submission = entry.make();
    return run_trial(workload, *submission, hparams, options, comm);
  }
  TrialResult run(const std::string& name, const Hyperparameters& hparams) {
    return run(submissions().find(name), hparams);
  }
};

// Killed after a checkpoint and resumed, `entry`'s losses and evaluations after the checkpoint are the
// uninterrupted run's, bit for bit. `dir` holds the checkpoint.
inline void expect_resumes_exactly(const SubmissionEntry& entry, const Hyperparameters& h,
                                   const std::filesystem::path& dir) {
  const std::string& name = entry.name;
  const std::filesystem::path file = dir / (name + ".pt");
  TinyRun whole(dir / "unused.pt", 0);
  whole.run(entry, h);

  TinyRun killed(file, 20);  // every third step or so (a step takes 6-7 stamps)
  killed.kill_at = 9;
  EXPECT_THROW(killed.run(entry, h), Killed) << name;
  const auto checkpoint = TrialCheckpoint::read(file);
  ASSERT_TRUE(checkpoint) << name << ": no checkpoint written";
  const int64_t at = checkpoint->loop.train_state.global_step;
  EXPECT_GT(at, 1) << name;
  EXPECT_LE(at, 9) << name;

  TinyRun resumed(file, 20);
  resumed.options.resume_from = &*checkpoint;
  const TrialResult r = resumed.run(entry, h);
  EXPECT_EQ(r.global_step, 12) << name << ": " << r.message;
  EXPECT_EQ(r.preemption_count, 1) << name;
  ASSERT_FALSE(resumed.evals.empty()) << name;
  EXPECT_EQ(resumed.evals.front().global_step, at) << name << ": the checkpointed step's evaluation comes first";
  for (const EvalRecord& rec : resumed.evals) {
    const EvalRecord& same = whole.evals.at(rec.global_step - 1);  // one evaluation per step
    ASSERT_EQ(same.global_step, rec.global_step);
    EXPECT_EQ(rec.last_train_loss, same.last_train_loss) << name << " step " << rec.global_step;
    EXPECT_EQ(rec.metrics, same.metrics) << name << " step " << rec.global_step;
    EXPECT_EQ(rec.preemption_count, 1);
  }
}

}  // namespace trainperf::testing
