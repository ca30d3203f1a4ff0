// The `schedule` key of the harness's schedule block (schedule_hparams): each named schedule drives
// the learning rate of a submission that takes the block (adamw), a name that is not a schedule is
// refused when the trial starts, and a submission with a schedule of its own does not accept the key.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "optim/schedules.h"
#include "submissions/registry.h"
#include "submissions/tiny_bn_workload.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {

Hyperparameters adamw_point(const std::string& schedule) {
  Hyperparameters p;
  p.set("learning_rate", 0.01);
  p.set("one_minus_beta1", 0.1);
  p.set("beta2", 0.999);
  p.set("weight_decay", 0.0);
  p.set("warmup_factor", 0.1);
  p.set("decay_fraction", 0.25);
  p.set("schedule", schedule);
  return submissions().find("adamw").resolve(p, "schedule_key_test");
}

}  // namespace

TEST(ScheduleKey, EachNamedScheduleDrivesTheLearningRate) {
  std::set<std::vector<double>> trajectories;
  for (const auto& name : schedule_names()) {
    TinyBnWorkload workload;
    workload.load_data({});
    ModelPtr model = workload.init_model(1, {});
    const std::vector<ParamInfo> params = workload.param_infos(*model);
    LocalCommunicator comm;
    const Hyperparameters h = adamw_point(name);
    auto submission = submissions().find("adamw").make();
    submission->init_optimizer_state({workload, *model, params, h, Ruleset::Self, 7, comm});
    const int64_t steps = workload.spec().step_hint;
    const auto expected = named_schedule(name, steps, 0.1, 0.25);
    auto stream = workload.train_stream(submission->batch_size(workload.spec()), 3, {});
    std::map<std::string, Metrics> last_eval;
    TrainState state;
    std::vector<double> rates;
    for (int64_t step = 0; step < steps; ++step) {
      StepContext ctx{workload, *model, params, h, last_eval, step, static_cast<uint64_t>(step), state, comm};
      Batch batch = submission->data_selection(ctx, *stream);
      submission->update_params(ctx, batch);
      EXPECT_DOUBLE_EQ(submission->current_lr(), 0.01 * expected->multiplier(step)) << name << " step " << step;
      rates.push_back(submission->current_lr());
      state.global_step = step + 1;
    }
    trajectories.insert(rates);
  }
  // Every schedule drives its own trajectory (near the end cosine is near 0, the stable-decay schedule
  // part-way down, constant at the peak; AlgoPerf's PyTorch cosine starts at 1e-10 instead of 0).
  EXPECT_EQ(trajectories.size(), schedule_names().size());
}

TEST(ScheduleKey, AnUnknownScheduleIsRefusedWhenTheTrialStarts) {
  TinyBnWorkload workload;
  workload.load_data({});
  ModelPtr model = workload.init_model(1, {});
  const std::vector<ParamInfo> params = workload.param_infos(*model);
  LocalCommunicator comm;
  auto submission = submissions().find("adamw").make();
  const Hyperparameters h = adamw_point("cosine");  // a string, so the schema accepts it
  EXPECT_THROW(submission->init_optimizer_state({workload, *model, params, h, Ruleset::Self, 7, comm}),
               std::invalid_argument);
}

TEST(ScheduleKey, SubmissionsWithTheirOwnScheduleDoNotAcceptIt) {
  for (const std::string name : {"momentum", "nesterov", "schedule_free_adamw", "schedule_free_sgd"}) {
    EXPECT_EQ(submissions().find(name).schema().find("schedule"), nullptr) << name;
    EXPECT_NE(submissions().find(name).schema().find("warmup_factor"), nullptr) << name;
  }
  for (const std::string name : {"adamw", "nadamw", "prodigy", "dadapt_adam", "dadapt_sgd", "muon", "sam"})
    EXPECT_NE(submissions().find(name).schema().find("schedule"), nullptr) << name;
}
