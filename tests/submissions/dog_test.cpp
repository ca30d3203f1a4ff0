// dog evaluates at the polynomial-decay average (gamma = 8) of its training weights.
#include <gtest/gtest.h>

#include "submissions/lr_free_fixture.h"
#include "submissions/registry.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(DoGSubmission, EvaluatesAtThePolynomialAverage) {
  const Hyperparameters h = submissions().find("dog").self_tuning_config();
  TinyWorkload workload;
  auto s = submissions().find("dog").make(), twin = submissions().find("dog").make();
  Driver a(*s, workload, h), b(*twin, workload, h);
  std::vector<torch::Tensor> avg = b.weights();
  for (int t = 1; t <= 9; ++t) {
    a.update();
    b.update();
    const double c = 9.0 / (t + 8.0);
    const auto x = b.weights();
    for (size_t i = 0; i < avg.size(); ++i) avg[i] = (1 - c) * avg[i] + c * x[i];
    if (t % 3 == 0) {
      a.prepare_for_eval();
      const auto eval = a.weights();
      for (size_t i = 0; i < avg.size(); ++i) EXPECT_TRUE(torch::allclose(eval[i], avg[i], 1e-5, 1e-7)) << t;
    }
  }
}
