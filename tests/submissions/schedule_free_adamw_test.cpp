// schedule_free_adamw's evaluation point: BatchNorm statistics recomputed at x from the last
// training batches, and the training statistics back after the next update.
#include <gtest/gtest.h>

#include "submissions/lr_free_fixture.h"
#include "submissions/registry.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(ScheduleFreeAdamWSubmission, RecomputesBatchNormStatisticsFromTheLastBatches) {
  const SubmissionEntry& e = submissions().find("schedule_free_adamw");
  const Hyperparameters h = e.self_tuning_config();
  TinyWorkload workload(/*batch_norm=*/true);
  auto s = e.make();
  Driver d(*s, workload, h);
  const int steps = 10;
  for (int i = 0; i < steps; ++i) d.update();
  auto* model = dynamic_cast<TinyModel*>(d.model.get());
  const torch::Tensor train_mean = model->bn->running_mean.clone(), train_var = model->bn->running_var.clone();

  // BatchNorm is the first layer, so its statistics do not depend on the weights: they must be the
  // plain average over the last 4 training batches (the stream's batches 7..10).
  TinyStream replay;
  torch::Tensor mean = torch::zeros({4}), var = torch::zeros({4});
  for (int i = 1; i <= steps; ++i) {
    torch::Tensor x = replay.next().inputs;
    if (i > steps - 4) {
      mean += x.mean(0) / 4;
      var += x.var(0, /*unbiased=*/true) / 4;
    }
  }
  d.prepare_for_eval();
  EXPECT_TRUE(torch::allclose(model->bn->running_mean, mean, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(model->bn->running_var, var, 1e-5, 1e-6));
  d.update();
  // Training resumed from the training statistics, not the recomputed ones: one momentum-0.1 update.
  TinyStream next;
  torch::Tensor x;
  for (int i = 0; i <= steps; ++i) x = next.next().inputs;
  EXPECT_TRUE(torch::allclose(model->bn->running_mean, 0.9 * train_mean + 0.1 * x.mean(0), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(model->bn->running_var, 0.9 * train_var + 0.1 * x.var(0, true), 1e-5, 1e-6));
}

// The submission runs the v0.5 winner's update by default (schedule_free_form "algoperf_v05"), not the
// library's (which takes other steps from the first one on: the eps placement alone moves them).
TEST(ScheduleFreeAdamWSubmission, RunsTheAlgoPerfWinnersUpdateByDefault) {
  const SubmissionEntry& e = submissions().find("schedule_free_adamw");
  auto weights_after = [&](const Hyperparameters& h) {
    TinyWorkload workload(/*batch_norm=*/false);
    auto s = e.make();
    Driver d(*s, workload, h);
    for (int i = 0; i < 3; ++i) d.update();
    return d.weights();
  };
  const Hyperparameters defaults = e.self_tuning_config();
  ASSERT_EQ(defaults.string("schedule_free_form"), "algoperf_v05");
  Hyperparameters v05 = defaults, library = defaults, v06 = defaults;
  v05.set("schedule_free_form", HValue(std::string("algoperf_v05")));
  library.set("schedule_free_form", HValue(std::string("library")));
  v06.set("schedule_free_form", HValue(std::string("algoperf_v06")));
  const auto by_default = weights_after(defaults);
  EXPECT_TRUE(all_equal(by_default, weights_after(v05)));
  EXPECT_FALSE(all_equal(by_default, weights_after(library)));
  EXPECT_FALSE(all_equal(by_default, weights_after(v06)));
  Hyperparameters unknown = defaults;
  unknown.set("schedule_free_form", HValue(std::string("v0.5")));
  EXPECT_THROW(weights_after(unknown), c10::Error);
}
