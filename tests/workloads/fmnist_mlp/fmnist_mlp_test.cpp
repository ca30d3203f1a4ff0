// fmnist_mlp end to end through the runner: seeding, parameter types, evaluation sanity.
#include <gtest/gtest.h>

#include "runner/runner.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

// Forwards to a real submission and records every step's training loss.
class Recording final : public Submission {
 public:
  explicit Recording(std::unique_ptr<Submission> inner) : inner_(std::move(inner)) {}
  int64_t batch_size(const WorkloadSpec& s) const override { return inner_->batch_size(s); }
  void init_optimizer_state(const InitContext& ctx) override { inner_->init_optimizer_state(ctx); }
  StepResult update_params(const StepContext& ctx, const Batch& batch) override {
    StepResult r = inner_->update_params(ctx, batch);
    losses.push_back(r.loss.item<double>());
    return r;
  }
  std::vector<double> losses;

 private:
  std::unique_ptr<Submission> inner_;
};

std::vector<double> loss_trajectory(uint64_t seed, int64_t steps) {
  set_threads(1);  // ctest runs two tests at once on two cores
  auto workload = make_workload("fmnist_mlp");
  workload->load_data({});
  Recording submission(submissions().find("nadamw").make());
  // Point 5 has dropout, so the per-step seeds matter too.
  const Hyperparameters h = submissions().find("nadamw").self_tuning_config();
  LocalCommunicator comm;
  TrialOptions options;
  options.seed = seed;
  options.max_steps = steps;
  run_trial(*workload, submission, h, options, comm);
  return submission.losses;
}

}  // namespace

TEST(FmnistMlp, SameSeedSameTrajectoryDifferentSeedDifferent) {
  auto a = loss_trajectory(5, 30);
  auto b = loss_trajectory(5, 30);
  auto c = loss_trajectory(6, 30);
  ASSERT_EQ(a.size(), 30u);
  EXPECT_LT(a.back(), a.front());  // it learns
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(FmnistMlp, ParamTypesAndSpec) {
  auto w = make_workload("fmnist_mlp");
  w->load_data({});
  auto model = w->init_model(1, {});
  auto infos = w->param_infos(*model);
  ASSERT_EQ(infos.size(), 6u);
  EXPECT_EQ(infos[0].name, "dense0.weight");
  EXPECT_EQ(infos[0].type, ParamType::Weight);
  EXPECT_EQ(infos[1].type, ParamType::Bias);
  const auto& s = w->spec();
  EXPECT_EQ(s.num_train_examples, 50000);
  EXPECT_EQ(s.num_validation_examples, 10000);
  EXPECT_GT(s.validation_target, 0.5);
  EXPECT_GT(s.budget_reference_steps, s.step_hint);  // 4/3 step hint of NAdamW steps, each ~0.9 reference steps
}

TEST(FmnistMlp, UntrainedModelIsNearChanceAndLossIsSummed) {
  auto w = make_workload("fmnist_mlp");
  w->load_data({});
  auto model = w->init_model(3, {});
  LocalCommunicator comm;
  Metrics m = w->evaluate(*model, Split::Validation, comm);
  EXPECT_NEAR(m["accuracy"], 0.1, 0.08);
  EXPECT_NEAR(m["loss"], std::log(10.0), 0.3);
  EXPECT_EQ(m["num_examples"], 10000);
  // Summed loss and count; label smoothing moves the loss toward the uniform cross-entropy.
  Batch b{torch::zeros({4, 1, 28, 28}), torch::tensor({0, 1, 2, 3}, torch::kLong), {}, {}};
  torch::Tensor logits = torch::tensor({{10.0, 0.0, 0.0}, {0.0, 10.0, 0.0}, {0.0, 0.0, 10.0}, {0.0, 0.0, 0.0}});
  b.targets = torch::tensor({0, 1, 2, 0}, torch::kLong);
  LossOutput plain = w->loss(logits, b, 0.0);
  EXPECT_EQ(plain.count.item<double>(), 4.0);
  const double expect = 3 * (std::log(std::exp(10.0) + 2) - 10.0) + std::log(3.0);
  EXPECT_NEAR(plain.summed.item<double>(), expect, 1e-4);
  LossOutput smooth = w->loss(logits, b, 0.1);
  EXPECT_GT(smooth.summed.item<double>(), plain.summed.item<double>());
  b.weights = torch::tensor({1.0, 1.0, 1.0, 0.0});
  LossOutput masked = w->loss(logits, b, 0.0);
  EXPECT_EQ(masked.count.item<double>(), 3.0);
  EXPECT_NEAR(masked.summed.item<double>(), 3 * (std::log(std::exp(10.0) + 2) - 10.0), 1e-4);
}
