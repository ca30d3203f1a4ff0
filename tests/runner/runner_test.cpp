// The runner's timing rules (benchmark-rules.md section 3) with a hand-moved clock.
#include <gtest/gtest.h>

#include <limits>

#include "runner/reference_step.h"
#include "runner/runner.h"
#include "support/fakes.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {

struct Harness {
  ManualClock clock;
  FakeWorkload workload{clock};
  FakeSubmission submission{clock, workload};
  LocalCommunicator comm;
  TrialOptions options;
  std::vector<EvalRecord> evals;
  Harness() {
    options.clock = &clock;
    options.synchronize = [] {};
    options.on_eval = [this](const EvalRecord& r) { evals.push_back(r); };
  }
  TrialResult run() { return run_trial(workload, submission, Hyperparameters(), options, comm); }
};

}  // namespace

TEST(Runner, FirstEvalRightAfterStepOneThenByWallClock) {
  Harness h;
  h.options.max_steps = 40;  // 1 s per step, eval period 10 s, each eval 15 s
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::MaxSteps);
  ASSERT_GE(h.evals.size(), 4u);
  EXPECT_EQ(h.evals[0].global_step, 1);
  // Eval time (5 s each) is not counted, and the period restarts after each eval: steps 11, 21, 31.
  EXPECT_EQ(h.evals[1].global_step, 11);
  EXPECT_EQ(h.evals[2].global_step, 21);
  EXPECT_EQ(h.evals[3].global_step, 31);
  ASSERT_EQ(h.evals.size(), 5u);  // plus a final eval at max_steps
  EXPECT_EQ(h.evals[4].global_step, 40);
}

TEST(Runner, SubmissionTimeCountsSelectionAndUpdateOnly) {
  Harness h;
  h.options.max_steps = 15;
  TrialResult r = h.run();
  // init (50 s) and evals (3 splits x 5 s each) excluded
  EXPECT_DOUBLE_EQ(r.submission_time, 15.0);
  EXPECT_DOUBLE_EQ(h.evals[0].submission_time, 1.0);
  EXPECT_DOUBLE_EQ(h.evals[1].submission_time, 11.0);
  EXPECT_DOUBLE_EQ(h.evals[1].accumulated_eval_time, 30.0);
  EXPECT_DOUBLE_EQ(h.evals[1].total_duration, 11.0 + 30.0);  // eval 2 ended after 11 s of steps + 2 evals
}

TEST(Runner, PrepareForEvalIsTimedUnderV06AndSkippedUnderV05) {
  Harness h;
  h.submission.prepare_cost = 2.0;
  h.options.max_steps = 12;
  TrialResult r = h.run();
  EXPECT_EQ(h.submission.prepare_calls, 3);  // steps 1, 11 and the final eval at 12
  EXPECT_DOUBLE_EQ(r.submission_time, 12.0 + 3 * 2.0);
  EXPECT_DOUBLE_EQ(h.evals[1].submission_time, 11.0 + 2 * 2.0);

  Harness v05;
  v05.submission.prepare_cost = 2.0;
  v05.options.max_steps = 12;
  v05.options.rules = RulesVersion::V05;
  EXPECT_DOUBLE_EQ(v05.run().submission_time, 12.0);
  EXPECT_EQ(v05.submission.prepare_calls, 0);
}

TEST(Runner, StopsWhenBothTargetsAreReached) {
  Harness h;
  h.workload.accuracy_at = [](int64_t step) { return step >= 25 ? 0.95 : 0.5; };
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::ReachedTargets);
  EXPECT_EQ(r.global_step, 31);  // first eval at or after step 25
  ASSERT_TRUE(r.time_to_target.has_value());
  EXPECT_DOUBLE_EQ(*r.time_to_target, 31.0);
  EXPECT_EQ(*r.step_to_target, 31);
}

TEST(Runner, ValidationAloneDoesNotStopButSetsTimeToTarget) {
  Harness h;
  h.workload.accuracy_at = [](int64_t step) { return step >= 5 ? 0.95 : 0.5; };
  h.workload.test_offset = -0.2;  // test stays below its target
  h.options.max_steps = 30;
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::MaxSteps);
  EXPECT_DOUBLE_EQ(*r.time_to_target, 11.0);
  EXPECT_TRUE(h.evals.back().validation_goal_reached);
  EXPECT_FALSE(h.evals.back().test_goal_reached);
}

TEST(Runner, TargetComparisonIsStrict) {
  Harness h;
  h.workload.accuracy_at = [](int64_t) { return 0.9; };  // equal to the target: not reached
  h.options.max_steps = 5;
  EXPECT_FALSE(h.run().time_to_target.has_value());
}

TEST(Runner, BudgetCheckedAtEvalTimeUnderV06) {
  Harness h;
  h.workload.spec_.max_runtime_s = 25;  // evals due at steps 1, 11, 21, 31
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::BudgetExhausted);
  EXPECT_EQ(r.global_step, 31);  // ran past the budget until the next eval check
  EXPECT_EQ(h.evals.size(), 3u);
}

TEST(Runner, BudgetCheckedEveryStepUnderV05) {
  Harness h;
  h.workload.spec_.max_runtime_s = 25;
  h.options.rules = RulesVersion::V05;
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::BudgetExhausted);
  EXPECT_EQ(r.global_step, 25);
}

TEST(Runner, SelfTuningMultipliesTheBudget) {
  EXPECT_DOUBLE_EQ(budget_multiplier(Ruleset::Self, RulesVersion::V06), 1.5);
  EXPECT_DOUBLE_EQ(budget_multiplier(Ruleset::Self, RulesVersion::V05), 3.0);
  EXPECT_DOUBLE_EQ(budget_multiplier(Ruleset::External, RulesVersion::V06), 1.0);
  Harness h;
  h.workload.spec_.max_runtime_s = 20;
  h.options.ruleset = Ruleset::Self;
  TrialResult r = h.run();
  EXPECT_DOUBLE_EQ(r.max_runtime_s, 30.0);
  EXPECT_EQ(r.global_step, 31);
}

TEST(Runner, TrainingCompleteTriggersAFinalEvalAndStops) {
  Harness h;
  h.submission.complete_at = 7;
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::TrainingComplete);
  EXPECT_EQ(r.global_step, 7);
  EXPECT_EQ(h.evals.back().global_step, 7);
}

TEST(Runner, NonFiniteLossStopsAsDiverged) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Harness h;
    h.submission.loss_at = [bad](int64_t step) { return step == 4 ? bad : 1.0; };
    TrialResult r = h.run();
    EXPECT_EQ(r.status, TrialStatus::Diverged);
    EXPECT_EQ(r.global_step, 4);
    EXPECT_FALSE(r.time_to_target.has_value());
    EXPECT_NE(r.message.find("step 4"), std::string::npos);
  }
}

TEST(Runner, StepContextSeesStepsCompletedBefore) {
  Harness h;
  h.options.max_steps = 3;
  h.run();
  EXPECT_EQ(h.submission.steps_seen, (std::vector<int64_t>{0, 1, 2}));
}

TEST(Runner, TargetSettingRunsTrainPastTheTargets) {
  Harness h;
  h.workload.accuracy_at = [](int64_t step) { return step >= 5 ? 0.95 : 0.5; };
  h.options.stop_at_targets = false;
  h.options.max_steps = 35;
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::MaxSteps);
  EXPECT_EQ(r.global_step, 35);
  EXPECT_DOUBLE_EQ(*r.time_to_target, 11.0);  // still the first eval that reached it
}

TEST(Runner, MaxRuntimeOverrideReplacesTheWorkloadBudget) {
  Harness h;
  h.workload.spec_.max_runtime_s = 25;  // would stop at step 31 (see above)
  h.options.ruleset = Ruleset::Self;    // and no multiplier applies to the override
  h.options.max_runtime_s = 1e9;
  h.options.stop_at_targets = false;
  h.options.max_steps = 60;
  TrialResult r = h.run();
  EXPECT_EQ(r.status, TrialStatus::MaxSteps);
  EXPECT_EQ(r.global_step, 60);
  EXPECT_DOUBLE_EQ(r.max_runtime_s, 1e9);
  Harness small;
  small.options.max_runtime_s = 5;  // a smaller budget cuts as the workload's would
  TrialResult s = small.run();
  EXPECT_EQ(s.status, TrialStatus::BudgetExhausted);
  EXPECT_EQ(s.global_step, 11);
}

// Portable budgets (docs/timing.md): a budget in reference steps becomes seconds by the reference step
// measured on the machine that runs the trial.
TEST(Runner, BudgetInReferenceStepsFollowsTheMeasuredReferenceStep) {
  auto run_at = [](double slowdown) {
    Harness h;
    h.workload.spec_.budget_reference_steps = 60;
    h.workload.spec_.eval_period_reference_steps = 20;
    h.workload.loss_cost = 0.5 * slowdown;  // the reference step: 0.5 s on the "fast" machine
    h.submission.select_cost *= slowdown;   // and the submission's own step slows down alike
    h.submission.step_cost *= slowdown;
    h.workload.accuracy_at = [](int64_t step) { return step >= 15 ? 1.0 : 0.0; };
    h.options.stop_at_targets = false;  // run the whole budget
    TrialResult r = h.run();
    EXPECT_EQ(r.status, TrialStatus::BudgetExhausted);
    EXPECT_GT(h.workload.loss_calls, 10);  // measured, with warm-up and at least 10 timed steps
    return r;
  };
  const TrialResult fast = run_at(1.0), slow = run_at(2.0);
  EXPECT_DOUBLE_EQ(fast.reference_step_s, 0.5);
  EXPECT_DOUBLE_EQ(fast.max_runtime_s, 30.0);  // 60 reference steps x 0.5 s
  EXPECT_DOUBLE_EQ(fast.eval_period_s, 10.0);
  EXPECT_DOUBLE_EQ(slow.reference_step_s, 1.0);
  EXPECT_DOUBLE_EQ(slow.max_runtime_s, 60.0);  // twice the seconds on a twice-slower machine ...
  EXPECT_DOUBLE_EQ(slow.eval_period_s, 20.0);
  EXPECT_EQ(slow.global_step, fast.global_step);  // ... hence the same number of steps
  EXPECT_EQ(slow.num_evals, fast.num_evals);
  EXPECT_EQ(fast.global_step, 31);  // evals at steps 1, 11, 21; at 31 the 30 s are spent
  ASSERT_TRUE(fast.time_to_target && slow.time_to_target);
  EXPECT_DOUBLE_EQ(*fast.time_to_target, 21.0);
  EXPECT_DOUBLE_EQ(*slow.time_to_target, 42.0);
  EXPECT_EQ(*slow.step_to_target, *fast.step_to_target);
}

TEST(Runner, GivenReferenceStepIsNotMeasuredAndSelfTuningMultipliesIt) {
  Harness h;
  h.workload.spec_.budget_reference_steps = 40;
  h.workload.spec_.eval_period_reference_steps = 20;
  h.options.reference_step_s = 0.25;
  h.options.ruleset = Ruleset::Self;
  TrialResult r = h.run();
  EXPECT_EQ(h.workload.loss_calls, 0);
  EXPECT_DOUBLE_EQ(r.max_runtime_s, 40 * 0.25 * 1.5);
  EXPECT_DOUBLE_EQ(r.eval_period_s, 5.0);
}

TEST(Runner, BudgetInSecondsNeedsNoReferenceStep) {
  Harness h;  // the fake's spec gives seconds (100 s, eval every 10 s)
  TrialResult r = h.run();
  EXPECT_EQ(h.workload.loss_calls, 0);
  EXPECT_DOUBLE_EQ(r.reference_step_s, 0.0);
  EXPECT_DOUBLE_EQ(r.max_runtime_s, 100.0);
  EXPECT_DOUBLE_EQ(r.eval_period_s, 10.0);
  WorkloadSpec spec = h.workload.spec();
  spec.budget_reference_steps = 10;
  EXPECT_THROW(budget_in_seconds(spec, 0.0, 1.0), std::invalid_argument);
  EXPECT_DOUBLE_EQ(budget_in_seconds(spec, 3.0, 1.0).max_runtime_s, 30.0);
  EXPECT_DOUBLE_EQ(budget_in_seconds(spec, 3.0, 1.0).eval_period_s, 10.0);  // no eval period in steps: seconds
  spec.eval_period_reference_steps = 2;
  const TrialClockBudget overridden = budget_in_seconds(spec, 3.0, 1.5, 7.0);  // --max-runtime: no multiplier
  EXPECT_DOUBLE_EQ(overridden.max_runtime_s, 7.0);
  EXPECT_DOUBLE_EQ(overridden.eval_period_s, 6.0);  // the eval period still follows the reference step
}
