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
