// The baseline and modern-optimizer submissions: registered with a description and source, a search
// space and a self-tuning configuration that parse, and a few finite training steps from both.
#include <gtest/gtest.h>

#include <cmath>

#include "submissions/registry.h"
#include "submissions/tiny_bn_workload.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {

const std::vector<std::string> kBaselineNames = {"adamw", "momentum", "nesterov", "lamb", "adafactor",
                                         "sam",   "shampoo",  "lion",     "muon", "soap"};

struct TrainingRun {
  std::vector<double> losses;    // per step
  double before = 0, after = 0;  // the training-set loss in eval mode, before and after
};

double train_set_loss(TinyBnWorkload& workload, Model& model) {
  LocalCommunicator comm;
  return workload.evaluate(model, Split::EvalTrain, comm).at("loss");
}

// Runs `steps` update_params calls.
TrainingRun train(const std::string& name, const Hyperparameters& hparams, int steps) {
  TinyBnWorkload workload;
  workload.load_data({});
  ModelPtr model = workload.init_model(1, {});
  TrainingRun run;
  run.before = train_set_loss(workload, *model);
  const std::vector<ParamInfo> params = workload.param_infos(*model);
  LocalCommunicator comm;
  auto submission = submissions().find(name).make();
  submission->init_optimizer_state({workload, *model, params, hparams, Ruleset::Self, 7, comm});
  auto stream = workload.train_stream(submission->batch_size(workload.spec()), 3, {});
  std::map<std::string, Metrics> last_eval;
  TrainState state;
  for (int64_t step = 0; step < steps; ++step) {
    StepContext ctx{workload, *model, params, hparams, last_eval, step, static_cast<uint64_t>(step), state, comm};
    Batch batch = submission->data_selection(ctx, *stream);
    run.losses.push_back(submission->update_params(ctx, batch).loss.item<double>());
    state.global_step = step + 1;
  }
  for (const auto& p : params) EXPECT_TRUE(torch::isfinite(p.tensor).all().item<bool>()) << name << " " << p.name;
  run.after = train_set_loss(workload, *model);
  return run;
}

}  // namespace

// Every registered submission, not a hand list: a new one is covered without editing this file.
TEST(EverySubmission, IsRegisteredWithDescriptionSourceAndConfigs) {
  for (const auto& e : submissions().entries()) {
    const std::string& name = e.name;
    EXPECT_FALSE(e.description.empty()) << name;
    EXPECT_FALSE(e.source.empty()) << name;
    const SearchSpace space = e.search_space();
    EXPECT_GT(space.num_dims() + space.points().size(), 0u) << name;
    const Hyperparameters self = e.self_tuning_config();
    for (const char* h : {"weight_decay", "label_smoothing", "dropout_rate"})
      EXPECT_TRUE(self.has(h)) << name << " self-tuning config lacks " << h;
    // Every name the search space draws is one the self-tuning config also sets (same vocabulary).
    const Hyperparameters point = e.resolve(space.point(0, 1), "point 1");
    for (const auto& [key, value] : point.values()) EXPECT_TRUE(self.has(key)) << name << ": " << key;
  }
}

TEST(BaselineSubmissions, TrainFromTheSelfTuningConfigWithoutNaN) {
  for (const auto& name : kBaselineNames) {
    const TrainingRun run = train(name, submissions().find(name).self_tuning_config(), 60);
    for (double l : run.losses) EXPECT_TRUE(std::isfinite(l)) << name;
    EXPECT_LT(run.after, run.before) << name << " did not reduce the training loss in 60 steps";
  }
}

TEST(EverySubmission, TrainsFromItsSelfTuningConfigAndSearchSpacePointsWithoutNaN) {
  for (const auto& e : submissions().entries()) {
    for (double l : train(e.name, e.self_tuning_config(), 10).losses) EXPECT_TRUE(std::isfinite(l)) << e.name;
    for (int64_t trial = 0; trial < 2; ++trial) {
      const Hyperparameters h = e.resolve(e.search_space().point(trial, 42), "test point");
      for (double l : train(e.name, h, 10).losses) EXPECT_TRUE(std::isfinite(l)) << e.name << " trial " << trial;
    }
  }
}
