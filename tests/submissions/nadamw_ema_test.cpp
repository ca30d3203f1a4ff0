// nadamw_ema trains exactly like nadamw and evaluates at the EMA of nadamw's weights.
#include <gtest/gtest.h>

#include "submissions/lr_free_fixture.h"
#include "submissions/registry.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(NadamWEmaSubmission, EvaluatesAtTheEmaOfNadamwWeights) {
  Hyperparameters h = submissions().find("nadamw_ema").self_tuning_config();
  h.set("ema_decay", 0.5);
  TinyWorkload workload;
  auto wrapped = submissions().find("nadamw_ema").make(), plain = submissions().find("nadamw").make();
  Driver a(*wrapped, workload, h), b(*plain, workload, h);
  std::vector<torch::Tensor> ema = b.weights();  // a_0 = x_0
  for (int t = 1; t <= 12; ++t) {
    a.update();
    b.update();
    ASSERT_TRUE(all_equal(a.weights(), b.weights())) << "the decorator changed training at step " << t;
    const double d = std::min(0.5, (1.0 + t) / (10.0 + t));
    const auto x = b.weights();
    for (size_t i = 0; i < ema.size(); ++i) ema[i] = d * ema[i] + (1 - d) * x[i];
    if (t % 4 == 0) {
      a.prepare_for_eval();
      const auto eval = a.weights();
      for (size_t i = 0; i < ema.size(); ++i) EXPECT_TRUE(torch::allclose(eval[i], ema[i], 1e-5, 1e-7)) << t;
    }
  }
}

// ema_form algoperf_lawa_ema: AlgoPerf v0.5's lawa_ema with its int(lawa_beta) = 0: the evaluated weights
// are the latest snapshot (every ceil(0.01 * 200) = 2 steps from ceil(0.02 * 200) = 4 on: after steps
// 5, 7, 9), the training weights before step 4.
TEST(NadamWEmaSubmission, AlgoPerfLawaEmaFormEvaluatesTheLatestSnapshot) {
  Hyperparameters h = submissions().find("nadamw_ema").self_tuning_config();
  h.set("ema_decay", 0.2);
  h.set("ema_form", std::string("algoperf_lawa_ema"));
  h.set("ema_every_factor", 0.01);
  h.set("ema_start_factor", 0.02);
  TinyWorkload workload;
  auto wrapped = submissions().find("nadamw_ema").make(), plain = submissions().find("nadamw").make();
  Driver a(*wrapped, workload, h), b(*plain, workload, h);
  std::vector<torch::Tensor> latest;
  for (int t = 1; t <= 10; ++t) {
    a.update();
    b.update();
    ASSERT_TRUE(all_equal(a.weights(), b.weights())) << "the decorator changed training at step " << t;
    if (t == 5 || t == 7 || t == 9) latest = b.weights();
    if (t == 3 || t == 6 || t == 10) {
      a.prepare_for_eval();
      const auto eval = a.weights(), train = b.weights();
      for (size_t i = 0; i < eval.size(); ++i)
        EXPECT_TRUE(torch::allclose(eval[i], t == 3 ? train[i] : latest[i], 1e-5, 1e-7)) << "step " << t;
    }
  }
}
