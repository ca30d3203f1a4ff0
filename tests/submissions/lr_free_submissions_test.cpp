// Every learning-rate-free / averaging submission: registered with a description and a source, its
// search space and self-tuning configuration parse, and through the submission protocol its
// training trajectory is untouched by evaluations (prepare_for_eval then the next update restores
// the training weights and BatchNorm statistics exactly).
#include <gtest/gtest.h>

#include "submissions/lr_free_fixture.h"
#include "submissions/registry.h"

using namespace trainperf;
using namespace trainperf::testing;

namespace {
const std::vector<std::string> kLrFreeNames = {"schedule_free_adamw", "schedule_free_sgd", "dog",      "ldog",  "dadapt_adam",
                                         "dadapt_sgd",          "prodigy",           "mechanic", "cocob", "nadamw_ema",
                                         "nadamw_lawa"};
// Those that evaluate at weights other than the training weights.
const std::vector<std::string> kAveraging = {"schedule_free_adamw", "schedule_free_sgd", "dog", "ldog",
                                             "nadamw_ema",          "nadamw_lawa"};
}  // namespace

class LrFreeSubmission : public ::testing::TestWithParam<std::string> {};

TEST_P(LrFreeSubmission, IsRegisteredWithItsConfigurations) {
  const SubmissionEntry& e = submissions().find(GetParam());
  EXPECT_FALSE(e.description.empty());
  EXPECT_FALSE(e.source.empty());
  const SearchSpace space = e.search_space();
  const Hyperparameters first = space.point(0, 1);
  EXPECT_FALSE(first.empty());
  EXPECT_FALSE(e.self_tuning_config().empty());
}

TEST_P(LrFreeSubmission, EvaluationsDoNotChangeTraining) {
  for (bool batch_norm : {false, true}) {
    const SubmissionEntry& e = submissions().find(GetParam());
    const Hyperparameters h = e.self_tuning_config();
    TinyWorkload workload(batch_norm);
    auto evaluated = e.make(), twin = e.make();
    Driver a(*evaluated, workload, h), b(*twin, workload, h);
    bool eval_weights_differ = false;
    for (int step = 1; step <= 24; ++step) {
      const StepResult ra = a.update(), rb = b.update();
      ASSERT_TRUE(std::isfinite(ra.loss.item<double>())) << "step " << step;
      ASSERT_TRUE(all_equal(a.weights(), b.weights())) << "training weights diverged at step " << step;
      ASSERT_TRUE(all_equal(a.buffers(), b.buffers())) << "training BatchNorm statistics diverged at step " << step;
      if (step % 5 == 0) {
        const auto train = a.weights();
        a.prepare_for_eval();
        a.prepare_for_eval();  // twice in a row is harmless
        eval_weights_differ = eval_weights_differ || !all_equal(a.weights(), train);
        for (const auto& w : a.weights()) ASSERT_TRUE(torch::isfinite(w).all().item<bool>());
      }
    }
    const bool averaging = std::find(kAveraging.begin(), kAveraging.end(), GetParam()) != kAveraging.end();
    EXPECT_EQ(eval_weights_differ, averaging) << (batch_norm ? "with" : "without") << " BatchNorm";
  }
}

INSTANTIATE_TEST_SUITE_P(All, LrFreeSubmission, ::testing::ValuesIn(kLrFreeNames),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
