// Steps 1-3: per trial, per study, per workload.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "scoring/time_to_target.h"

using namespace trainperf;
using namespace trainperf::scoring;

namespace {
constexpr double kInfinity2 = std::numeric_limits<double>::infinity();

TrialLogs trial_from_csv(const std::string& csv, int index = 1) {
  Diagnostics diag;
  TrialLogs t;
  t.index = index;
  t.eval_file = "trial_" + std::to_string(index) + "/eval_measurements.csv";
  t.evals = parse_csv(csv, t.eval_file.string(), diag);
  return t;
}

WorkloadTarget accuracy_target(double target) {
  WorkloadTarget w;
  w.name = "w";
  w.metric = "validation/accuracy";
  w.goal = Goal::Maximize;
  w.target = target;
  return w;
}

WorkloadTarget loss_target(double target) {
  WorkloadTarget w;
  w.name = "w";
  w.metric = "validation/loss";
  w.goal = Goal::Minimize;
  w.target = target;
  return w;
}

TrialTime reached_at(int trial, size_t index, double value) {
  TrialTime t;
  t.trial = trial;
  t.eval_index = index;
  t.value = value;
  return t;
}

TrialTime never(int trial) {
  TrialTime t;
  t.trial = trial;
  t.value = kInfinity2;
  return t;
}
}  // namespace

TEST(ScoringTimeToTarget, FirstRowMeetingTheTargetWithGreaterOrEqual) {
  auto trial = trial_from_csv(
      "global_step,score,validation/accuracy\n"
      "100,10.5,0.5\n"
      "200,21,0.75\n"  // exactly the target: the published test is >=
      "300,31.5,0.8\n");
  Diagnostics diag;
  auto t = trial_time_to_target(trial, accuracy_target(0.75), TimeAxis::Time, diag);
  ASSERT_TRUE(t.reached());
  EXPECT_EQ(*t.eval_index, 1u);
  EXPECT_EQ(t.value, 21);
  EXPECT_EQ(t.best_metric, 0.8);
  EXPECT_TRUE(diag.warnings().empty());
  auto steps = trial_time_to_target(trial, accuracy_target(0.75), TimeAxis::Steps, diag);
  EXPECT_EQ(steps.value, 200);
}

TEST(ScoringTimeToTarget, LessOrEqualForMinimisedMetricsAndNanRowsNeverMeetIt) {
  auto trial = trial_from_csv(
      "global_step,score,validation/loss\n"
      "1,1,nan\n"
      "2,2,0.4\n"
      "3,3,0.3\n"
      "4,4,0.2\n");
  Diagnostics diag;
  auto t = trial_time_to_target(trial, loss_target(0.3), TimeAxis::Time, diag);
  ASSERT_TRUE(t.reached());
  EXPECT_EQ(*t.eval_index, 2u);
  EXPECT_EQ(t.value, 3);
  auto never_t = trial_time_to_target(trial, loss_target(0.1), TimeAxis::Time, diag);
  EXPECT_FALSE(never_t.reached());
  EXPECT_TRUE(std::isinf(never_t.value));
  EXPECT_EQ(never_t.best_metric, 0.2);
}

TEST(ScoringTimeToTarget, MissingMetricColumnWarnsOnceAndCountsAsNotReached) {
  auto trial = trial_from_csv("global_step,score,validation/loss\n1,1,0.1\n");
  Diagnostics diag;
  auto t = trial_time_to_target(trial, accuracy_target(0.5), TimeAxis::Time, diag);
  EXPECT_FALSE(t.reached());
  trial_time_to_target(trial, accuracy_target(0.5), TimeAxis::Time, diag);
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_NE(diag.warnings()[0].find("trial_1/eval_measurements.csv: no column 'validation/accuracy'"),
            std::string::npos)
      << diag.warnings()[0];
}

TEST(ScoringTimeToTarget, ScoreColumnMissingFallsBackToAccumulatedSubmissionTime) {
  auto trial = trial_from_csv("global_step,accumulated_submission_time,validation/accuracy\n5,7.5,0.9\n");
  Diagnostics diag;
  auto t = trial_time_to_target(trial, accuracy_target(0.5), TimeAxis::Time, diag);
  EXPECT_EQ(t.value, 7.5);
  EXPECT_EQ(diag.warnings().size(), 1u);
}

TEST(ScoringTimeToTarget, StrictRefusesAMissingColumn) {
  auto trial = trial_from_csv("global_step,score\n1,1\n");
  Diagnostics diag(nullptr, true);
  EXPECT_THROW(trial_time_to_target(trial, accuracy_target(0.5), TimeAxis::Time, diag), ScoringError);
}

TEST(ScoringTimeToTarget, StudyTakesTheSmallestEvalIndexNotTheSmallestTime) {
  // Trial 1 reaches at eval 4 after 10 s; trial 2 at eval 2 but after 20 s (slower evals).
  auto s = study_time_to_target(0, {reached_at(1, 4, 10), reached_at(2, 2, 20), never(3)});
  EXPECT_EQ(s.best_trial, 2);
  EXPECT_EQ(s.value, 20);
}

TEST(ScoringTimeToTarget, StudyTiesAtOneEvalIndexGoToTheFasterTrial) {
  // AlgoPerf v0.6 external tuning, shampoo, fastmri study 0: trials 2 and 5 first meet the target at
  // the same eval, after 841.2 s and 640.8 s; the published score counts 640.8 s.
  auto s = study_time_to_target(0, {never(1), reached_at(2, 3, 841.2), reached_at(5, 3, 640.8)});
  EXPECT_EQ(s.best_trial, 5);
  EXPECT_EQ(s.value, 640.8);
  // A later eval index loses even when faster.
  s = study_time_to_target(0, {reached_at(1, 4, 100), reached_at(2, 3, 841.2), reached_at(5, 3, 640.8)});
  EXPECT_EQ(s.best_trial, 5);
}

TEST(ScoringTimeToTarget, StudyTiesInIndexAndTimeGoToTheLowerTrialNumber) {
  auto s = study_time_to_target(0, {never(1), reached_at(2, 3, 30), reached_at(3, 3, 30)});
  EXPECT_EQ(s.best_trial, 2);
  EXPECT_EQ(s.value, 30);
}

TEST(ScoringTimeToTarget, StudyWithoutAnyTrialReachingIsInfinite) {
  auto s = study_time_to_target(4, {never(1), never(2)});
  EXPECT_FALSE(s.reached());
  EXPECT_TRUE(std::isinf(s.value));
}

TEST(ScoringTimeToTarget, WorkloadMedianOverStudiesIncludesInfinities) {
  auto study = [](int k, double v) {
    return v == kInfinity2 ? study_time_to_target(k, {never(1)}) : study_time_to_target(k, {reached_at(1, 0, v)});
  };
  auto odd = workload_time_to_target({study(0, 30), study(1, kInfinity2), study(2, 10)});
  EXPECT_EQ(odd.median, 30);
  EXPECT_EQ(odd.min, 10);
  EXPECT_TRUE(std::isinf(odd.max));
  EXPECT_EQ(odd.studies_reached(), 2);
  auto even = workload_time_to_target({study(0, 30), study(1, 10)});
  EXPECT_EQ(even.median, 20);  // numpy: mean of the middle two
  auto half = workload_time_to_target({study(0, 30), study(1, kInfinity2)});
  EXPECT_TRUE(std::isinf(half.median));
  auto missing = workload_time_to_target({});
  EXPECT_TRUE(missing.missing());
  EXPECT_TRUE(std::isnan(missing.median));
}
