// Read-only bookkeeping the runner shares with a submission (AlgoPerf's train_state).
#pragma once

#include <cstdint>

namespace trainperf {

struct TrainState {
  double accumulated_submission_time = 0;  // seconds on the clock so far
  double max_runtime_s = 0;                // budget after the ruleset multiplier
  double eval_period_s = 0;                // seconds between evaluations (converted, as the budget)
  double last_eval_time = 0;               // seconds since trial start at the end of the last eval
  int64_t global_step = 0;
  int64_t num_evals = 0;
  bool validation_goal_reached = false;
  bool test_goal_reached = false;
};

}  // namespace trainperf
